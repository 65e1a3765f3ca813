"""Agent tools over the alert store: `alerts_list` and `incident_show` (both read-only).

They read what `opsgraph serve` stored (Settings().alerts_db), or a live pipeline when the run
provides one in `ctx.extras["alert_pipeline"]`. Alert text (labels, annotations) is written by
whoever can post to Alertmanager, so every result is marked untrusted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opsgraph.core.text import plural
from opsgraph.tools import results
from opsgraph.tools.alerts.store import AlertStore, StoredAlert
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import NotFound
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

NO_STORE = "no alerts received yet: run `opsgraph serve` and point an Alertmanager webhook at /webhooks/alertmanager"
_SERVICE_LABELS = ("service", "app", "job", "deployment", "service_name")


class AlertsListArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str | None = Field(None, description="Only alerts in this namespace, e.g. prod", max_length=63)
    severity: str | None = Field(None, description="Only this severity: critical, warning or info", max_length=16)
    service: str | None = Field(None, description="Only alerts about this service or its pods", max_length=253)
    limit: int = Field(50, description="At most this many alerts, newest first", ge=1, le=500)


class IncidentShowArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(
        None,
        description="Incident id such as inc-1d16b38e6a; omit for the largest open incident",
        max_length=64,
    )


def _store(ctx: ToolContext) -> AlertStore | None:
    if ctx.settings.shared_database:
        return AlertStore(ctx.settings.database_for(ctx.settings.alerts_db))
    path = ctx.settings.alerts_db
    return AlertStore(path) if path.exists() else None


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _matches(alert: StoredAlert, args: AlertsListArgs) -> bool:
    labels = alert.labels
    if args.namespace and labels.get("namespace") != args.namespace:
        return False
    if args.severity and labels.get("severity", "").lower() != args.severity.lower():
        return False
    if args.service:
        named = {labels.get(k) for k in _SERVICE_LABELS}
        pod = labels.get("pod", "")
        if args.service not in named and not pod.startswith(f"{args.service}-"):
            return False
    return True


def _describe(alert: StoredAlert) -> str:
    labels = alert.labels
    where = labels.get("pod") or labels.get("service") or labels.get("node") or labels.get("instance") or "?"
    ns = f" ({labels['namespace']})" if labels.get("namespace") else ""
    summary = alert.annotations.get("summary") or alert.annotations.get("description") or ""
    summary = f": {summary[:120]}" if summary else ""
    severity = labels.get("severity", "none")
    since = _clock(alert.starts_at)
    return f"- [{severity}] {labels.get('alertname', '?')} on {where}{ns} since {since}{summary}"


@REGISTRY.tool(
    "alerts_list",
    args=AlertsListArgs,
    risk="read",
    description="List the alerts firing now (received from Alertmanager), filtered by namespace, severity or service.",
    examples=("what alerts are firing?", "show critical alerts in prod"),
)
def alerts_list(args: AlertsListArgs, ctx: ToolContext) -> ToolResult:
    store = _store(ctx)
    if store is None:
        return results.no_data("alerts_list", NO_STORE)
    try:
        firing = [a for a in store.alerts("firing") if _matches(a, args)]
    finally:
        store.close()
    if not firing:
        return results.no_data("alerts_list", "no firing alerts match")
    shown = firing[: args.limit]
    lines = [
        f"{len(firing)} firing alert{'s' if len(firing) != 1 else ''}"
        + (f" (newest {len(shown)} shown)" if len(shown) < len(firing) else "")
    ]
    lines += [_describe(a) for a in shown]
    data = [
        {
            "fingerprint": a.fingerprint,
            "labels": a.labels,
            "annotations": a.annotations,
            "starts_at": _clock(a.starts_at),
        }
        for a in shown
    ]
    return results.ok("alerts_list", "\n".join(lines), {"alerts": data, "total": len(firing)}, untrusted=True)


def _incidents(ctx: ToolContext) -> list[dict[str, Any]] | None:
    pipeline = ctx.extras.get("alert_pipeline")
    if pipeline is not None:
        return [s.to_dict() for s in pipeline.snapshots()]
    store = _store(ctx)
    if store is None:
        return None
    try:
        return store.incidents()
    finally:
        store.close()


def _pick(incidents: list[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    if wanted:
        for inc in incidents:
            if inc["id"] == wanted:
                return inc
        recent = ", ".join(i["id"] for i in incidents[:5]) or "none yet"
        raise NotFound(f"there is no incident {wanted!r}", hint=f"recent incidents: {recent}")
    open_ones = [i for i in incidents if i["status"] == "firing" and not i["noise"]]
    if not open_ones:
        return None
    return max(open_ones, key=lambda i: (i["alert_count"], i["opened_at"]))


@REGISTRY.tool(
    "incident_show",
    args=IncidentShowArgs,
    risk="read",
    description="Show one correlated incident (the largest open one by default): probable causes, "
    "severity, blast radius, timeline and suggested actions.",
    examples=("what is the current incident?", "show incident inc-1d16b38e6a"),
)
def incident_show(args: IncidentShowArgs, ctx: ToolContext) -> ToolResult:
    incidents = _incidents(ctx)
    if incidents is None:
        return results.no_data("incident_show", NO_STORE)
    chosen = _pick(incidents, args.id)
    if chosen is None:
        return results.no_data("incident_show", "no open incident right now")
    chosen = with_runbook(chosen)
    return results.ok("incident_show", render_incident(chosen), chosen, untrusted_parts=outsider_text(chosen))


def with_runbook(inc: dict[str, Any]) -> dict[str, Any]:
    """The incident with the runbook for its alerts (tools/runbooks/attach.py), when one fits."""
    from opsgraph.tools.runbooks.attach import for_incident

    runbook = for_incident([t["alert"] for t in inc.get("timeline") or []], str(inc.get("summary") or ""))
    return inc | {"runbook": runbook} if runbook else inc


def outsider_text(inc: dict[str, Any]) -> tuple[str, ...]:
    """What in an incident came from alerts (labels and annotations anyone who can post to
    Alertmanager writes); opsgraph's own wording (suggested actions, headings) is not in it, so a
    guard flag points at alert text and never at our own advice."""
    parts = [inc["summary"], *(c["evidence"] for c in inc["probable_causes"])]
    parts += [c["entity"] for c in inc["probable_causes"]] + list(inc["blast_radius"])
    parts += [f"{t['entity']} {t['alert']}" for t in inc["timeline"]] + list(inc.get("flapping") or ())
    return tuple(dict.fromkeys(p for p in parts if p))


def render_incident(inc: dict[str, Any]) -> str:
    radius = inc["blast_radius"]
    more = f" (+{len(radius) - 8} more)" if len(radius) > 8 else ""
    lines = [
        f"Incident {inc['id']} [{inc['severity']}, {inc['status']}] opened {inc['opened_at']}, "
        f"{plural(inc['alert_count'], 'alert')}",
        f"Summary: {inc['summary']}",
        "Probable causes:",
        *(
            f"  {n}. {c['entity']} ({c['kind']}) {c['score']:.2f}: {c['evidence']}"
            for n, c in enumerate(inc["probable_causes"], 1)
        ),
        f"Blast radius: {', '.join(radius[:8]) or 'none'}{more}",
        "Timeline:",
        *(f"  {t['at']} {t['entity']} {t['alert']} {t['status']}" for t in inc["timeline"][:10]),
        "Suggested actions:",
        *(f"  - {a['text']}" for a in inc["actions"]),
    ]
    if inc.get("flapping"):
        lines.append(f"Flapping: {', '.join(inc['flapping'])}")
    if isinstance(inc.get("runbook"), dict):
        lines.append(str(inc["runbook"]["line"]))
    return "\n".join(lines)
