"""Progress of a turn, step by step, for channels that show it as it happens (Slack updates one
message: "checking events... reading logs...")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from opsgraph.core.text import plural


@dataclass(frozen=True)
class StepEvent:
    tool: str
    args: dict[str, Any]
    phase: Literal["started", "done"]
    status: str | None  # ok | error | no_data, once done
    summary: str  # the first line of what came back, once done

    def describe(self) -> str:
        """ "checking prod/checkout" in words a person reads while waiting."""
        target = "/".join(str(self.args[k]) for k in ("namespace", "name") if k in self.args)
        verb = VERBS.get(self.tool, self.tool.replace("_", " "))
        where = f" {target}" if target else ""
        return f"{verb}{where}..." if self.phase == "started" else f"{verb}{where}: {self.summary or self.status}"


VERBS = {
    "k8s_status": "checking",
    "k8s_logs": "reading logs of",
    "k8s_events": "reading events of",
    "alerts_list": "listing alerts",
    "incident_show": "reading the incident",
    "anomaly_scan": "scanning for anomalies in",
}

StepCallback = Callable[[StepEvent], None]


def step_count(events: list[StepEvent]) -> str:
    return plural(sum(1 for e in events if e.phase == "done"), "step")
