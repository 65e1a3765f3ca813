"""`opsgraph chat`: a terminal REPL with history and editing, rich output, inline approvals."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from rich.console import Console

from opsgraph.channels.render import print_result

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent

EXIT_WORDS = {"exit", "quit", ":q", "bye"}
BANNER = "opsgraph chat. Ask in plain words ('status of prod', 'scale checkout in prod to 5'); 'help'; 'exit'."


def run_repl(agent: Agent, *, session: Any = None, console: Console | None = None) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from opsgraph.agent.service import AgentRequest

    console = console or Console()
    if session is None:
        agent.settings.ensure_state_dir()
        session = PromptSession(history=FileHistory(str(agent.settings.state_dir / "chat_history")))
    thread_id = uuid.uuid4().hex[:12]
    console.print(BANNER)
    while True:
        try:
            text = session.prompt("opsgraph> ").strip()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            break
        request = AgentRequest(text=text[:8000], user=agent.settings.user, channel="repl", thread_id=thread_id)
        with console.status("working...", spinner="dots"):
            result = agent.handle(request)
        print_result(result, console)
        while result.status == "needs_approval":
            approval = result.approvals[0]
            try:
                answer = session.prompt(f"approve {approval.id}? [y/N] ").strip().lower()
            except (EOFError, KeyboardInterrupt):
                answer = "n"
            approve = answer in ("y", "yes")
            with console.status("running..." if approve else "recording denial...", spinner="dots"):
                result = agent.decide(approval.id, approve=approve, by=agent.settings.user)
            print_result(result, console)
    console.print("bye")
