"""An incident as one Slack message: summary, probable causes with evidence, affected services,
and the suggested fixes as buttons that take the normal approval path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from opsgraph.channels.slack.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fit,
    header,
    section,
    timestamp,
)

SEVERITY_MARK = {"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵"}
INCIDENT_ACTION = "opsgraph_incident_action"


def proposals(snapshot: Any, inventory: Any | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(button label, the structured call) for each concrete suggested fix."""
    from opsgraph.agent.responder import describe, proposal_for

    out: list[tuple[str, dict[str, Any]]] = []
    for action in snapshot.actions:
        if not action.specific:
            continue
        call = proposal_for(action, inventory)
        if call is not None and call.model_dump() not in [c for _, c in out]:
            out.append((describe(call), call.model_dump()))
    return out


def incident_blocks(snapshot: Any) -> list[Block]:
    mark = "✅" if snapshot.status == "resolved" else SEVERITY_MARK.get(snapshot.severity, "⚪")
    opened = datetime.fromtimestamp(snapshot.opened_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    blocks: list[Block] = [
        header(f"{mark} {snapshot.severity} incident {snapshot.id} ({snapshot.status})"),
        section(escape(snapshot.summary)),
        context(
            f"{snapshot.alert_count} alerts, {snapshot.firing} firing · opened "
            f"{timestamp(snapshot.opened_at, opened)} · affected: "
            + (escape(", ".join(snapshot.blast_radius[:15])) or "unknown")
        ),
    ]
    if snapshot.causes:
        lines = [
            f"{i}. *{escape(c.entity)}* ({escape(c.kind)}, score {c.score:.2f}): {escape(c.evidence)}"
            for i, c in enumerate(snapshot.causes[:3], 1)
        ]
        blocks += [divider(), section("*Probable causes*\n" + "\n".join(lines))]
    runbook = _runbook(snapshot)
    if runbook:
        blocks.append(context(f"📖 {escape(runbook)}"))
    other = [a.text for a in snapshot.actions if not a.specific or a.tool is None]
    if other:
        blocks.append(context("Also worth a look: " + escape("; ".join(dict.fromkeys(other)))))
    buttons = [
        button(label, INCIDENT_ACTION, json.dumps({"incident": snapshot.id, "label": label, "call": call}))
        for label, call in proposals(snapshot)[:5]
    ]
    if buttons and snapshot.status != "resolved":
        blocks.append(context("Suggested fixes (each one is shown as a diff and waits for an approval):"))
        blocks.append(actions(f"incident:{snapshot.id}", buttons))
    return fit(blocks)


def _runbook(snapshot: Any) -> str:
    """The "Runbook: <title> (<path>#<section>)" line for the incident's alerts (no model: a post never waits)."""
    from opsgraph.tools.runbooks.attach import for_incident

    found = for_incident([t.alert for t in snapshot.timeline], snapshot.summary)
    return str(found["line"]) if found else ""


def incident_text(snapshot: Any) -> str:
    return f"{snapshot.severity} incident {snapshot.id} ({snapshot.status}): {snapshot.summary}"[:3000]
