"""Alerts and incidents: what is firing, correlated incidents with probable causes."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="alerts",
    summary="alerts from Alertmanager, correlated into incidents with probable root causes",
    tool_modules=("opsgraph.tools.alerts.tools",),
    cli_modules=("opsgraph.channels.cli.alerts_cmds",),
    planner_module="opsgraph.tools.alerts.planner",
    intents=("opsgraph.tools.alerts", "intents.yaml"),
)
