"""Wiring for `opsgraph serve --respond`: the alert pipeline with the agent answering incidents."""

from __future__ import annotations

from typing import Any

from opsgraph.agent.settings import Settings


def responding_pipeline(settings: Settings, topology: Any, notifier: Any = None) -> Any:
    from opsgraph.agent.responder import BackgroundResponder, IncidentResponder
    from opsgraph.agent.service import Agent
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    settings.ensure_state_dir()
    pipeline = AlertPipeline.open(settings.database_for(settings.alerts_db), topology)
    agent = Agent(settings)
    # incident_show reads the live incidents of this process, not a snapshot of the store.
    agent.context.tools.extras["alert_pipeline"] = pipeline
    pipeline.on_incident = BackgroundResponder(IncidentResponder(agent, notifier))
    return pipeline
