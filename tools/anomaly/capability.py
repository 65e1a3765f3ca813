"""Anomaly scans over Prometheus series."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="anomaly",
    summary="seasonality-aware anomaly scans of Prometheus metrics",
    tool_modules=("opsgraph.tools.anomaly.tools",),
    cli_modules=("opsgraph.channels.cli.anomaly_cmds",),
    planner_module="opsgraph.tools.anomaly.planner",
    intents=("opsgraph.tools.anomaly", "intents.yaml"),
)
