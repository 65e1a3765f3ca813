"""Eval suites run by `opsgraph eval` and CI."""
