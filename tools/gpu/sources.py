"""Where a GPU snapshot and its utilisation come from when the user gives no files: the cluster
(nodes, pods, disruption budgets) and, for utilisation, the first that answers of a metrics file,
Prometheus, or dcgm-exporter through the API server."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from opsgraph.tools.errors import InvalidInput, NotFound, ToolError
from opsgraph.tools.gpu.metrics import MetricsError, Utilisation, aggregate, load_metrics_file, parse_exposition
from opsgraph.tools.gpu.model import Snapshot
from opsgraph.tools.gpu.settings import GpuSettings
from opsgraph.tools.gpu.snapshot import SnapshotError, from_objects

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.k8s._client import ClusterClient

log = logging.getLogger(__name__)


def read_cluster(cluster: ClusterClient) -> Snapshot:
    from opsgraph.tools.gpu._client import GpuApi

    api = GpuApi(cluster)
    items = [{**n, "kind": "Node"} for n in api.nodes()] + [{**p, "kind": "Pod"} for p in api.pods()]
    try:
        items += [{**b, "kind": "PodDisruptionBudget"} for b in api.pdbs()]
    except NotFound:
        log.warning("the cluster serves no policy/v1 PodDisruptionBudgets; planning without them")
    try:
        return from_objects(items)
    except SnapshotError as exc:
        raise InvalidInput(f"the cluster's objects cannot be read as a GPU snapshot: {exc}") from exc


def read_usage(core: Settings, settings: GpuSettings, cluster: ClusterClient | None) -> Utilisation:
    if settings.metrics_file is not None:
        try:
            return load_metrics_file(settings.metrics_file)
        except MetricsError as exc:
            raise InvalidInput(str(exc), hint="fix OPSGRAPH_GPU_METRICS_FILE") from exc
    if core.prometheus_url:
        from opsgraph.tools.gpu.metrics import from_prometheus

        found = from_prometheus(core.prometheus_url, settings.metrics_window, timeout=core.request_timeout_s)
        if found.known:
            return found
    if cluster is not None:
        from opsgraph.tools.gpu._client import GpuApi

        try:
            text = GpuApi(cluster).dcgm_metrics(settings.dcgm_service)
            return aggregate(parse_exposition(text), f"dcgm-exporter {settings.dcgm_service} (now)")
        except (ToolError, MetricsError) as exc:
            log.info("no dcgm-exporter at %s: %s", settings.dcgm_service, exc)
    return Utilisation(source="none (no metrics file, Prometheus or dcgm-exporter)")
