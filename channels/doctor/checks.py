"""The checks `opsgraph doctor` runs, in the order it prints them."""

from __future__ import annotations

from opsgraph.channels.doctor.cluster import check_cluster
from opsgraph.channels.doctor.model import Check
from opsgraph.channels.doctor.services import (
    check_alertmanager,
    check_database,
    check_mlflow,
    check_model_endpoint,
    check_policy,
    check_prometheus,
    check_tracing,
)
from opsgraph.channels.doctor.slack import check_slack
from opsgraph.channels.doctor.terraform import check_terraform

CHECKS: tuple[tuple[str, Check], ...] = (
    ("cluster", check_cluster),  # also answers rbac
    ("database", check_database),
    ("policy", check_policy),
    ("mlflow", check_mlflow),
    ("model", check_model_endpoint),
    ("slack", check_slack),
    ("terraform", check_terraform),  # also answers provider_mirror
    ("prometheus", check_prometheus),
    ("alertmanager", check_alertmanager),
    ("tracing", check_tracing),
)


def prepare() -> None:
    """Import what the checks use before their clocks start: on a busy machine, importing the
    kubernetes client and every tool takes seconds, and a timeout should measure the service."""
    import httpx  # noqa: F401
    import kubernetes.client  # noqa: F401

    from opsgraph.tools.registry import load_builtin_tools

    load_builtin_tools()
