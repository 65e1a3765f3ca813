"""`opsgraph plan | ask | approve | deny | approvals | chat | demo`: talking to the agent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json

# `ask` exit codes, for scripts.
EXIT_OK, EXIT_ERROR, EXIT_NEEDS_APPROVAL, EXIT_REFUSED = 0, 1, 3, 4
_EXIT_BY_STATUS = {
    "done": EXIT_OK,
    "question": EXIT_OK,
    "cancelled": EXIT_OK,
    "needs_approval": EXIT_NEEDS_APPROVAL,
    "error": EXIT_ERROR,
    "blocked": EXIT_REFUSED,
    "denied": EXIT_REFUSED,
    "refused": EXIT_REFUSED,
}

JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON document on stdout")]


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
    app.command("ask")(ask_command)
    app.command("approve")(approve_command)
    app.command("deny")(deny_command)
    app.command("approvals")(approvals_command)
    app.command("chat")(chat_command)
    app.command("demo")(demo_command)


def plan_command(
    message: Annotated[str | None, typer.Argument(help="what you would ask opsgraph")] = None,
    file: Annotated[Path | None, typer.Option("--file", help='JSONL file of {"text": ...} lines')] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what opsgraph would do for a message (intent, tool calls, reply). Never executes."""
    if (message is None) == (file is None):
        die('give either a MESSAGE or --file MESSAGES.jsonl, e.g. opsgraph plan "scale checkout in prod to 5"')
    if message is not None and not message.strip():
        die('the message is empty; say what you want, e.g. opsgraph plan "status of prod"')
    from opsgraph.channels.planning import OfflinePlanner, read_messages

    texts = read_messages(file) if file else iter([str(message)])  # a file streams: one line, one plan
    planner = OfflinePlanner.from_env()
    for text in texts:
        plan = planner.plan(text)
        if as_json:
            print_json(plan)
        else:
            calls = ", ".join(f"{c['name']}({c['args']})" for c in plan["tool_calls"]) or "(no tool call)"
            typer.echo(f"{plan['intent']} ({plan['confidence']:.2f}): {calls}\n  {plan['reply']}")


def ask_command(
    message: Annotated[str, typer.Argument(help="the request, in plain words")],
    approve: Annotated[bool, typer.Option("--approve", help="approve the resulting action yourself")] = False,
    deny: Annotated[bool, typer.Option("--deny", help="deny the resulting action")] = False,
    thread: Annotated[str | None, typer.Option(help="continue a conversation by its thread id")] = None,
    as_json: JsonOpt = False,
) -> None:
    """One turn through the whole agent.

    Exit codes: 0 done (or denied with --deny), 1 error, 3 waiting for approval, 4 refused.
    """
    if approve and deny:
        die("--approve and --deny exclude each other")
    from opsgraph.channels.session import open_agent, request_for

    with open_agent() as agent:
        result = agent.handle(request_for(agent, message, channel="cli", thread_id=thread))
        if result.status == "needs_approval" and (approve or deny):
            for pending in list(result.approvals):
                result = agent.decide(pending.id, approve=approve, by=agent.settings.user)
        _emit(result, as_json, denial_requested=deny)


def approve_command(
    approval_id: Annotated[str, typer.Argument(help="e.g. apr-1a2b3c4d")], as_json: JsonOpt = False
) -> None:
    """Approve a pending action (from this or another terminal) and run it."""
    _decide(approval_id, approve=True, as_json=as_json)


def deny_command(
    approval_id: Annotated[str, typer.Argument(help="e.g. apr-1a2b3c4d")], as_json: JsonOpt = False
) -> None:
    """Deny a pending action."""
    _decide(approval_id, approve=False, as_json=as_json)


def approvals_command(as_json: JsonOpt = False) -> None:
    """List actions waiting for approval."""
    from opsgraph.channels.session import open_agent

    with open_agent() as agent:
        pending = agent.pending_approvals()
    if as_json:
        print_json({"approvals": [p.model_dump() for p in pending]})
        return
    if not pending:
        typer.echo("nothing is waiting for approval")
    for p in pending:
        args = " ".join(f"{key}={value}" for key, value in p.args.items())
        state = "" if p.status == "pending" else f" [{p.status.upper()}: {p.note}]"
        typer.echo(f"{p.id} by {p.requester}: {p.tool} {args} ({p.reason}){state}\n{p.diff}\n")


def chat_command() -> None:
    """Talk to opsgraph in a terminal REPL (history, editing, inline approvals)."""
    from opsgraph.channels.repl import run_repl
    from opsgraph.channels.session import open_agent

    with open_agent() as agent:
        run_repl(agent)


def demo_command(
    reset: Annotated[bool, typer.Option("--reset", help="start from the sandbox scenario again")] = False,
) -> None:
    """Start the sandbox cluster in the background and open the REPL against it."""
    from opsgraph.channels.session import start_demo

    start_demo(reset=reset)


def _decide(approval_id: str, *, approve: bool, as_json: bool) -> None:
    from opsgraph.channels.session import open_agent

    with open_agent() as agent:
        result = agent.decide(approval_id, approve=approve, by=agent.settings.user)
    _emit(result, as_json, denial_requested=not approve)


def _emit(result: Any, as_json: bool, *, denial_requested: bool = False) -> None:
    if as_json:
        print_json(result.model_dump())
    else:
        from opsgraph.channels.render import print_result

        print_result(result)
    if denial_requested and result.status == "denied":
        raise typer.Exit(EXIT_OK)  # the denial asked for was made: that is success
    raise typer.Exit(_EXIT_BY_STATUS.get(result.status, EXIT_ERROR))
