"""`opsgraph chat`: a terminal REPL with history and editing, rich output, inline approvals."""

from __future__ import annotations

import importlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from opsgraph.channels.render import print_result

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent

log = logging.getLogger(__name__)

EXIT_WORDS = {"exit", "quit", ":q", "bye"}
FAILED_TURN = "That turn failed ({kind}); nothing ran that is not in the audit log. The error was logged; try again."
BANNER = "opsgraph chat. Ask in plain words ('status of prod', 'scale checkout in prod to 5'); 'help'; 'exit'."

# What a first turn would otherwise import: the cluster client (every turn that reads the cluster)
# and MLflow's registry store with pandas (the model tools). They take seconds to import and a
# person takes seconds to type the first message, so they load while the prompt waits.
WARM_IMPORTS: tuple[str, ...] = (
    "kubernetes.client",
    "kubernetes.config",
    "pandas",
    "mlflow",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
)


class Warmup:
    """Imports modules in a daemon thread while the prompt waits for the first message.

    A turn calls `wait()` first, so no module is imported by two threads at once (a package with
    circular imports can be seen half-initialised that way); a module that fails to import is
    left for the turn that needs it to report."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = tuple(modules)
        self._thread = threading.Thread(target=self._run, name="opsgraph-warm-imports", daemon=True)

    def start(self) -> Warmup:
        if self.modules:
            self._thread.start()
        return self

    def _run(self) -> None:
        for name in self.modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # not installed or broken: the turn that needs it says so
                log.debug("warm-up import of %s failed: %s", name, exc)

    def wait(self) -> None:
        if self._thread.is_alive():
            self._thread.join()


def run_repl(
    agent: Agent, *, session: Any = None, console: Console | None = None, warm: Sequence[str] = WARM_IMPORTS
) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from opsgraph.agent.service import AgentRequest

    console = console or Console()
    warmup = Warmup(warm).start()
    if session is None:
        agent.settings.ensure_state_dir()
        session = PromptSession(history=redacted_history(FileHistory, agent.settings.state_dir / "chat_history"))
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
        result = _turn(console, "working...", _after(warmup.wait, agent.handle), request)
        while result is not None and result.status == "needs_approval":
            approval = result.approvals[0]
            try:
                answer = session.prompt(f"approve {approval.id}? [y/N] ").strip().lower()
            except (EOFError, KeyboardInterrupt):
                answer = "n"
            approve = answer in ("y", "yes")
            doing = "running..." if approve else "recording denial..."
            result = _turn(console, doing, agent.decide, approval.id, approve=approve, by=agent.settings.user)
    console.print("bye")


def _turn(console: Console, doing: str, run: Any, *args: Any, **kwargs: Any) -> Any:
    """One turn; a failure is reported and the REPL goes on (a person's session never dies)."""
    try:
        with console.status(doing, spinner="dots"):
            result = run(*args, **kwargs)
    except KeyboardInterrupt:
        console.print("interrupted; an approved write that was running is reconciled on the next start")
        return None
    except Exception as exc:  # the channel boundary: log it with the traceback, answer politely
        log.exception("REPL turn failed")
        console.print(FAILED_TURN.format(kind=type(exc).__name__))
        return None
    print_result(result, console)
    return result


def _after(first: Callable[[], None], run: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        first()
        return run(*args, **kwargs)

    return call


def redacted_history(base: Any, path: Path) -> Any:
    """prompt_toolkit's FileHistory, with every line passed through the redactor before it is
    written, in a file only its owner can read (0600)."""
    from opsgraph.guardrails.redaction import redact

    class RedactedHistory(base):
        def store_string(self, string: str) -> None:
            super().store_string(redact(string))

    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return RedactedHistory(str(path))
