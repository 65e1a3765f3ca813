"""Wiring for `opsgraph serve`: the topology alerts are correlated on, and the alert pipeline with
the agent answering incidents (`--respond`)."""

from __future__ import annotations

import logging
from typing import Any

from opsgraph.agent.settings import Settings

log = logging.getLogger(__name__)


def cluster_topology(settings: Settings) -> Any:
    """pods -> workloads -> nodes, read from the configured cluster (empty if it cannot be read)."""
    from opsgraph.agent.services import cluster_factory
    from opsgraph.tools.alerts.cluster_topology import topology_from_cluster
    from opsgraph.tools.alerts.topology import EMPTY
    from opsgraph.tools.errors import ToolError

    try:
        client = cluster_factory(settings)()
        return topology_from_cluster(client.pods(None), client.all_replicasets(), client.nodes(), client.deployments())
    except ToolError as exc:
        log.warning("correlating without a cluster topology: %s", exc.message)
        return EMPTY


def responding_pipeline(settings: Settings, topology: Any, notifier: Any = None) -> Any:
    from opsgraph.agent.responder import BackgroundResponder, IncidentResponder
    from opsgraph.agent.service import Agent
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    settings.ensure_state_dir()
    pipeline = AlertPipeline.open(settings.alerts_db, topology)
    agent = Agent(settings)
    # incident_show reads the live incidents of this process, not a snapshot of the store.
    agent.context.tools.extras["alert_pipeline"] = pipeline
    pipeline.on_incident = BackgroundResponder(IncidentResponder(agent, notifier))
    return pipeline
