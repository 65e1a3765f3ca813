"""Composition root: builds the clients a run needs from the settings, lazily."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opsgraph.agent.inventory import Inventory, from_deployments, from_scenario
from opsgraph.agent.settings import Settings

if TYPE_CHECKING:
    from opsgraph.tools.k8s._client import ClusterClient

log = logging.getLogger(__name__)


def cluster_factory(settings: Settings) -> Callable[[], ClusterClient]:
    """A zero-argument builder for the configured cluster (the sandbox unless told otherwise)."""

    def build() -> ClusterClient:
        from opsgraph.tools.k8s._client import ClusterClient

        if settings.cluster == "in-cluster":
            return ClusterClient.in_cluster(timeout_s=settings.request_timeout_s)
        if settings.cluster == "kubeconfig":
            return ClusterClient.from_kubeconfig(
                settings.kubeconfig, context=settings.kube_context, timeout_s=settings.request_timeout_s
            )
        from opsgraph.sandbox.runtime import ensure_running

        kubeconfig = ensure_running(settings)
        return ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=settings.request_timeout_s)

    return build


def cluster_inventory(settings: Settings, cluster: Callable[[], ClusterClient]) -> Callable[[], Inventory]:
    def load() -> Inventory:
        client = cluster()
        namespaces = [ns["metadata"]["name"] for ns in client.namespaces()]
        return from_deployments(namespaces, client.deployments(), settings.namespaces or None)

    return load


def offline_inventory(settings: Settings) -> Inventory:
    """What the planner resolves names against for `opsgraph plan`: the same cluster `ask` would
    use. For the sandbox that is the running one, else its saved state (what `ask` would start
    from), else the scenario file a fresh sandbox starts from."""
    from opsgraph.sandbox.persistence import StateFile
    from opsgraph.sandbox.runtime import running_kubeconfig, state_file
    from opsgraph.sandbox.scenario import default_scenario_path

    if settings.cluster == "sandbox" and running_kubeconfig(settings) is None:
        saved = StateFile(state_file(settings)).load()
        if saved is not None:
            objects = saved.get("objects") or {}
            names = [ns["metadata"]["name"] for ns in objects.get("namespaces", [])]
            return from_deployments(names, objects.get("deployments", []), settings.namespaces or None)
        return from_scenario(settings.sandbox_scenario or default_scenario_path(), settings.namespaces or None)
    return cluster_inventory(settings, cluster_factory(settings))()


def cluster_topology(settings: Settings) -> Any:
    """pods -> workloads -> nodes, read from the configured cluster (empty if it cannot be read)."""
    from opsgraph.tools.alerts.cluster_topology import topology_from_cluster
    from opsgraph.tools.alerts.topology import EMPTY
    from opsgraph.tools.errors import ToolError

    try:
        client = cluster_factory(settings)()
        return topology_from_cluster(client.pods(None), client.all_replicasets(), client.nodes(), client.deployments())
    except ToolError as exc:
        log.warning("correlating without a cluster topology: %s", exc.message)
        return EMPTY
