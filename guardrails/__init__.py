"""Injection detection, action policy and secret redaction."""
