"""Alerts from logs and traces next to metric alerts: what each modality may add, folded so that
its volume cannot drown the rest.

A Loki ruler sends one alert per (entity, log template) and span-metrics rules one per (caller,
callee, operation); labels `source: logs|traces` say which (no `source`: a metric alert). A
fault produces a few metric alerts and hundreds of trace alerts, most about the same handful of
callees. Counting them as they come would rank whoever has the most operations. So:

- log alerts fold to one signal per (entity, alert name): a new template on the same pod is
  the same evidence again; or, with `log_templates`, one per (entity, template): each template
  then has its own history, so a template the entity never logged in an incident before weighs
  like any rare signal and one it logs in every incident weighs nothing (the fault's own log
  vocabulary decides, not a list of words);
- trace alerts fold to one signal per (callee, alert name, side): `server` when a caller saw a
  callee slow or failing (evidence about the callee), `client` when the caller and the callee
  are the same pod (its own outgoing calls: a symptom of it or of what it calls);
- a policy can leave a modality out (`traces="ignore"`), or keep only server-side spans;
- `traces="graph"` keeps one alert per (caller, callee, alert name) with both labels: the tally
  records it as a call, not as a signal of the callee, and callgraph.py weighs the calls
  (surprise per call against the history, client-side spans as evidence about the caller's
  callees) to corroborate what the other modalities found.

Which policy to run is a setting like any other: the rca eval chooses it on one system and
reports it on the other. Folding keeps the first occurrence (its start time is the onset the
ranking reads); later duplicates carry the same fingerprint, so the correlator counts them once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from opsgraph.tools.alerts.model import Alert, fingerprint

Modality = Literal["metrics", "logs", "traces"]
TraceUse = Literal["ignore", "server", "both", "graph"]
TEMPLATE_LABEL = "template_id"  # a log alert's template (Drain id); signals.py puts it in the family
_LOG_NAMES = {False: "logs", True: "log templates"}
_TRACE_NAMES = {"both": "traces", "server": "server-side traces", "graph": "traces as a call graph"}


def modality(alert: Alert) -> Modality:
    source = alert.labels.get("source", "")
    if source == "logs":
        return "logs"
    if source == "traces":
        return "traces"
    return "metrics"


@dataclass(frozen=True)
class ModalityPolicy:
    logs: bool = True
    traces: TraceUse = "server"
    log_templates: bool = False  # one signal per (entity, log template) instead of per alert name

    @property
    def name(self) -> str:
        used = ["metrics"] + ([_LOG_NAMES[self.log_templates]] if self.logs else [])
        if self.traces != "ignore":
            used.append(
                {"both": "traces", "server": "server-side traces", "graph": "traces as a call graph"}[self.traces]
            )
        return " + ".join(used)

    def apply(self, alerts: Iterable[Alert]) -> list[Alert]:
        """The alerts this policy keeps, log and trace alerts folded (order kept)."""
        out = []
        for alert in alerts:
            kind = modality(alert)
            if kind == "metrics":
                out.append(alert)
            elif kind == "logs" and self.logs:
                keep = {"pod": _entity(alert)}
                if self.log_templates and alert.labels.get(TEMPLATE_LABEL):
                    keep[TEMPLATE_LABEL] = alert.labels[TEMPLATE_LABEL]
                out.append(_fold(alert, keep))
            elif kind == "traces" and self.traces != "ignore":
                if self.traces == "graph":
                    out.append(_fold(alert, _call(alert)))
                    continue
                side = _side(alert)
                if side == "client" and self.traces == "server":
                    continue
                out.append(_fold(alert, {"pod": alert.labels.get("callee") or _entity(alert), "side": side}))
        return out


def _entity(alert: Alert) -> str:
    labels = alert.labels
    return labels.get("pod") or labels.get("service") or labels.get("instance") or ""


def _side(alert: Alert) -> str:
    caller, callee = alert.labels.get("caller"), alert.labels.get("callee")
    return "client" if caller and caller == callee else "server"


def _call(alert: Alert) -> dict[str, str]:
    labels = alert.labels
    callee = labels.get("callee") or _entity(alert)
    return {"pod": callee, "caller": labels.get("caller") or callee, "callee": callee}


def _fold(alert: Alert, keep: dict[str, str]) -> Alert:
    labels = {"alertname": alert.labels.get("alertname", ""), "source": alert.labels["source"], **keep}
    return replace(alert, labels=labels, fingerprint=fingerprint(labels))
