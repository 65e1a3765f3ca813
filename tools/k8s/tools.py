"""Importing this module declares every Kubernetes tool in the registry."""

from opsgraph.tools.k8s import deploy, logs, restart, rollback, scale, status

__all__ = ["deploy", "logs", "restart", "rollback", "scale", "status"]
