"""Rich rendering of a turn for terminals: tables for workloads, coloured diffs, marked logs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
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


def _overview_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(show_edge=False, header_style="bold")
    for column in ("namespace", "deployment", "ready", "image", "rev", "rollout"):
        table.add_column(column)
    for r in rows:
        ready_style = "green" if r["ready"] >= r["desired"] else "yellow"
        table.add_row(
            r["namespace"],
            r["name"],
            Text(f"{r['ready']}/{r['desired']}", style=ready_style),
            r["image"].rsplit("/", 1)[-1],
            str(r["revision"]),
            r["rollout"],
        )
    return table


def _detail(data: dict[str, Any]) -> Table:
    table = Table(
        title=f"{data['namespace']}/{data['name']}  rev {data['revision']}  {data['rollout']}",
        show_edge=False,
        header_style="bold",
    )
    for column in ("pod", "state", "ready", "restarts", "node"):
        table.add_column(column)
    for p in data["pods"]:
        table.add_row(p["name"], p["state"], "yes" if p["ready"] else "no", str(p["restarts"]), p["node"])
    return table


def render_tool_result(result: dict[str, Any]) -> Any:
    data = result.get("data")
    if result.get("tool") == "k8s_status" and result.get("status") == "ok" and isinstance(data, dict):
        if "deployments" in data:
            return _overview_table(data["deployments"])
        if "pods" in data:
            return _detail(data)
    if result.get("untrusted"):
        return Panel(result.get("text", ""), title=f"{result.get('tool')} output (untrusted text)", border_style="dim")
    style = "red" if result.get("status") == "error" else ""
    return Text(str(result.get("text", "")), style=style)


def print_result(result: Any, console: Console | None = None) -> None:
    console = console or Console()
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
    shown = [r for r in result.results if r.get("status") != "approval_required"]
    for r in shown:
        console.print(render_tool_result(r))
    if not shown and result.status != "needs_approval":
        console.print(Text(result.reply, style=STATUS_STYLE.get(result.status, "")))
