"""Rich rendering of a turn for terminals: tables for workloads, coloured diffs, marked logs."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

STATUS_STYLE: dict[str, str] = {
    "done": "green",
    "question": "cyan",
    "needs_approval": "yellow",
    "error": "red",
    "blocked": "red",
    "denied": "red",
    "refused": "red",
    "cancelled": "dim",
}


def diff_text(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines():
        if "->" in line:
            field, _, change = line.partition(":")
            old, _, new = change.partition("->")
            text.append(field + ":", style="bold")
            text.append(old, style="red")
            text.append("->")
            text.append(new + "\n", style="green")
        else:
            text.append(line + "\n")
    return text


ROW_STYLE = {"ok": "green", "warn": "yellow", "bad": "red"}


def render_view(view: Any) -> Any:
    """One typed view (core.views) as a rich renderable; the same views become Block Kit in Slack."""
    kind = view.get("kind")
    title = view.get("title") or None
    if kind == "table":
        table = Table(title=title, show_edge=False, header_style="bold", title_justify="left")
        for column in view["columns"]:
            table.add_column(column, overflow="fold")
        styles = list(view.get("row_status") or [])
        for i, row in enumerate(view["rows"]):
            style = ROW_STYLE.get(styles[i], "") if i < len(styles) else ""
            table.add_row(*[Text(str(cell)) for cell in row], style=style)
        if view.get("untrusted"):
            return Panel(table, title=f"{title or 'output'} (untrusted text)", border_style="dim")
        return table
    if kind == "diff":
        lines = "\n".join(f"{c['field']}: {c['old']} -> {c['new']}" for c in view.get("changes", []))
        body = diff_text(f"{view['subject']}\n{lines}" + (f"\n{view['note']}" if view.get("note") else ""))
        return Panel(body, title=title)
    if kind == "findings":
        text = Text()
        text.append(view["diagnosis"] + "\n", style="bold")
        for finding in view.get("evidence", []):
            text.append(f"  - {finding['step']}: ", style="dim")
            text.append(f"{finding['saw']}\n")
        if view.get("stopped_by"):
            text.append(f"stopped early: {view['stopped_by']}\n", style="yellow")
        if view.get("runbook"):
            text.append(f"{view['runbook']}\n", style="cyan")
        return Panel(text, title=title or "findings", border_style="cyan")
    body = Text(str(view.get("text", "")))
    if view.get("untrusted"):
        return Panel(body, title=f"{title or 'output'} (untrusted text)", border_style="dim")
    return Panel(body, title=title) if title else body


def render_tool_result(result: dict[str, Any]) -> Any:
    views = result.get("views") or []
    if views and result.get("status") == "ok":
        return Group(*(render_view(v) for v in views))
    if result.get("untrusted"):
        return Panel(result.get("text", ""), title=f"{result.get('tool')} output (untrusted text)", border_style="dim")
    style = "red" if result.get("status") == "error" else ""
    return Text(str(result.get("text", "")), style=style)


def print_result(result: Any, console: Console | None = None) -> None:
    console = console or Console()
    if getattr(result, "answer", None):
        from opsgraph.core.views import FindingsView

        console.print(render_view(FindingsView.of_answer(result.answer).model_dump()))
    for approval in result.approvals:
        if approval.refusal:
            console.print(Text(f"not approved: {approval.refusal}", style="red"))
        console.print(
            Panel(
                diff_text(approval.diff),
                title=f"{approval.tool} needs approval ({approval.id})",
                subtitle=approval.reason,
                border_style="yellow",
            )
        )
    # An investigation's reads are its evidence: the findings above summarise them (--json has them all).
    shown = [r for r in result.results if r.get("status") != "approval_required" and not r.get("evidence")]
    for r in shown:
        console.print(render_tool_result(r))
    if not shown and result.status != "needs_approval" and not getattr(result, "answer", None):
        console.print(Text(result.reply, style=STATUS_STYLE.get(result.status, "")))
