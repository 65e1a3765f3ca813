"""Capabilities the agent can call, each declared once in the registry."""
