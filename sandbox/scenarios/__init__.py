"""Scenario files shipped with the sandbox (data only)."""
