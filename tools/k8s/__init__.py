"""Kubernetes tools: status, deploy, scale, rollback, restart, logs, through the official client."""
