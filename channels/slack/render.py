"""Typed results as Block Kit, generically: a table, a diff, text or findings render the same
whichever tool produced them (no tool names are checked here). Text written by outsiders (logs,
events, alert annotations) is shown as data in a code block, marked as such."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from opsgraph.channels.slack.blocks import (
    MAX_TEXT,
    Block,
    actions,
    button,
    code,
    context,
    escape,
    fallback,
    fit,
    mention,
    section,
    timestamp,
)

MAX_TABLE_ROWS = 25
ROW_MARK = {"ok": "🟢", "warn": "🟡", "bad": "🔴"}
STATUS_MARK = {
    "done": "✅",
    "question": "❓",
    "needs_approval": "✋",
    "error": "⚠️",
    "blocked": "🛑",
    "denied": "⛔",
    "refused": "⛔",
    "cancelled": "➖",
}
UNTRUSTED_NOTE = "⚠️ written outside opsgraph (logs, events, alerts): shown as data, never followed as instructions"
APPROVE, DENY = "opsgraph_approve", "opsgraph_deny"


def table_text(columns: Sequence[str], rows: Sequence[Sequence[str]], status: Sequence[str] = ()) -> str:
    """Aligned columns, cut to what fits in one text field with `+N more rows`."""
    marks = [ROW_MARK.get(status[i], "  ") if i < len(status) else "" for i in range(len(rows))]
    cells = [list(columns), *[[str(c) for c in r] for r in rows]]
    widths = [min(40, max(len(r[i]) if i < len(r) else 0 for r in cells)) for i in range(len(columns))]

    def line(row: Sequence[str], mark: str) -> str:
        parts = [(row[i] if i < len(row) else "")[: widths[i]].ljust(widths[i]) for i in range(len(columns))]
        return (f"{mark} " if any(marks) else "") + "  ".join(parts).rstrip()

    out = [line(columns, "  " if any(marks) else "")]
    budget = MAX_TEXT - 100
    size = len(out[0])
    for i, row in enumerate(rows):
        text = line(row, marks[i])
        if i >= MAX_TABLE_ROWS or size + len(text) + 1 > budget:
            out.append(f"+{len(rows) - i} more rows")
            break
        out.append(text)
        size += len(text) + 1
    return "\n".join(out)


def view_blocks(view: dict[str, Any]) -> list[Block]:
    kind, title = view.get("kind"), view.get("title") or ""
    blocks: list[Block] = [section(f"*{escape(title)}*")] if title else []
    if kind == "table":
        blocks.append(code(table_text(view["columns"], view["rows"], view.get("row_status") or ())))
    elif kind == "diff":
        lines = [f"{c['field']}: {c['old']} → {c['new']}" for c in view.get("changes", [])]
        blocks.append(code("\n".join([view["subject"], *lines])))
        if view.get("note"):
            blocks.append(context(escape(view["note"])))
    elif kind == "findings":
        evidence = "\n".join(f"• _{escape(f['step'])}_: {escape(f['saw'])}" for f in view.get("evidence", []))
        blocks.append(section(f"*{escape(view['diagnosis'])}*" + (f"\n{evidence}" if evidence else "")))
        if view.get("stopped_by"):
            blocks.append(context(f"stopped early: {escape(view['stopped_by'])}"))
        if view.get("runbook"):
            blocks.append(context(f"📖 {escape(view['runbook'])}"))
    else:
        text = str(view.get("text", ""))
        blocks.append(code(text) if view.get("untrusted") else section(escape(text)))
    if view.get("untrusted"):
        blocks.append(context(UNTRUSTED_NOTE))
    return blocks


def result_blocks(result: dict[str, Any]) -> list[Block]:
    """One tool result: its views, or its text."""
    views = result.get("views") or []
    if views and result.get("status") == "ok":
        return [b for v in views for b in view_blocks(v)]
    text = str(result.get("text", ""))
    if result.get("untrusted") or result.get("flagged"):
        return [code(text), context(UNTRUSTED_NOTE)]
    mark = "⚠️ " if result.get("status") == "error" else ""
    return [section(mark + escape(text))] if text else []


def answer_blocks(answer: dict[str, Any]) -> list[Block]:
    """An investigation's findings (diagnosis, evidence, proposed fix), as a findings view."""
    from opsgraph.core.views import FindingsView

    blocks = view_blocks(FindingsView.of_answer(answer).model_dump())
    fix = answer.get("fix")
    if isinstance(fix, dict) and fix.get("name"):  # a tool call: {"name", "args"}
        why = f" ({answer['fix_reason']})" if answer.get("fix_reason") else ""
        blocks.append(context(f"proposed fix: `{escape(str(fix['name']))}`{escape(why)}"))
    return blocks


def arrows(diff: str) -> str:
    """`replicas: 3 -> 5` reads as `replicas: 3 → 5` (and needs no escaping)."""
    return diff.replace(" -> ", " → ")


def approval_blocks(approval: Any, action_hash: str, track_record: str | None = None) -> list[Block]:
    """The proposal and its Approve / Deny buttons, bound to the approval id and action hash."""
    expires = datetime.fromtimestamp(approval.expires_at, UTC).strftime("%H:%M UTC")
    value = f"{approval.id}|{action_hash}"
    blocks: list[Block] = [
        section(f"✋ *{escape(approval.tool)}* {escape(approval.reason)}"),
        code(arrows(approval.diff)),
        context(
            f"asked by {mention(approval.requester)} · expires {timestamp(approval.expires_at, expires)}"
            f" · `{approval.id}`" + (f" · {escape(track_record)}" if track_record else "")
        ),
    ]
    if approval.refusal:
        blocks.insert(0, context(f"⛔ not approved: {escape(approval.refusal)}"))
    blocks.append(
        actions(
            f"approval:{approval.id}",
            [button("Approve", APPROVE, value, "primary"), button("Deny", DENY, value, "danger")],
        )
    )
    return blocks


def decided_blocks(approval: Any, verdict: str, by: str) -> list[Block]:
    """The approval message once decided: the buttons are gone, the decision and who made it stay."""
    return [
        section(f"*{escape(approval.tool)}* {escape(approval.reason)}"),
        code(arrows(approval.diff)),
        context(f"{verdict} by {mention(by)} · asked by {mention(approval.requester)} · `{approval.id}`"),
    ]


def turn_blocks(result: Any, hashes: dict[str, str], track_records: dict[str, str] | None = None) -> list[Block]:
    """A whole turn: what ran, then what waits for a person."""
    blocks: list[Block] = []
    answer = getattr(result, "answer", None)
    if answer:  # an investigation: its findings first, the reads behind them as evidence lines
        blocks += answer_blocks(answer)
    shown = [r for r in result.results if r.get("status") != "approval_required" and not (answer and r.get("evidence"))]
    for r in shown:
        blocks += result_blocks(r)
    if not shown and not answer and result.status != "needs_approval" and result.reply:
        mark = STATUS_MARK.get(result.status, "")
        blocks.append(section(f"{mark} {escape(result.reply)}".strip()))
    elif result.status in ("denied", "blocked", "refused", "error") and result.reply:
        blocks.append(context(f"{STATUS_MARK[result.status]} {escape(result.reply)}"))
    for approval in result.approvals:
        record = (track_records or {}).get(approval.id)
        blocks += approval_blocks(approval, hashes.get(approval.id, ""), record)
    return fit(blocks)


def turn_text(result: Any) -> str:
    return fallback(f"{STATUS_MARK.get(result.status, '')} {result.reply}".strip())


def progress_blocks(steps: Iterable[Any]) -> list[Block]:
    """One line per step of a running investigation: `⏳ k8s_logs prod/checkout…` then `✓ ...`."""
    lines = []
    for step in steps:
        mark = "⏳" if step.phase == "started" else ("✓" if step.status in (None, "ok") else "⚠️")
        lines.append(f"{mark} {escape(step.summary or step.tool)}")
    if not lines:
        lines.append("⏳ working on it…")
    return fit([context("\n".join(lines[-20:]))])


def progress_text(steps: Sequence[Any]) -> str:
    return fallback(steps[-1].summary if steps else "working on it…")
