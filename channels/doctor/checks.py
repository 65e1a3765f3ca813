"""The checks `opsgraph doctor` runs, in the order it prints them."""

from __future__ import annotations

from opsgraph.channels.doctor.cluster import check_cluster
from opsgraph.channels.doctor.model import Check
from opsgraph.channels.doctor.services import (
    check_database,
    check_mlflow,
    check_model_endpoint,
    check_observability_sources,
    check_policy,
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
    ("prometheus/alertmanager", check_observability_sources),
    ("tracing", check_tracing),
)
