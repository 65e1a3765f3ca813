"""The REPL outlives a failed turn, and its history file holds no secrets (mode 0600)."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

from prompt_toolkit.history import FileHistory
from rich.console import Console

from opsgraph.agent.service import Agent
from opsgraph.channels.repl import redacted_history, run_repl


class ScriptedSession:
    """Lines a person types, then Ctrl-D."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    def prompt(self, _: str) -> str:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def test_a_turn_that_fails_does_not_end_the_session(cluster_settings: Any, monkeypatch: Any) -> None:
    agent = Agent(cluster_settings)
    real = agent.handle
    calls: list[str] = []

    def flaky(request: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(request.text)
        if len(calls) == 1:  # stands in for any bug inside a turn (the msgpack TypeError of issue 10)
            raise TypeError("can not serialize 'int' object")
        return real(request, *args, **kwargs)

    monkeypatch.setattr(agent, "handle", flaky)
    out = io.StringIO()
    run_repl(agent, session=ScriptedSession(["status of staging", "help", "exit"]),
             console=Console(file=out, width=200))  # fmt: skip
    agent.close()
    assert calls == ["status of staging", "help"]
    text = out.getvalue()
    assert "That turn failed (TypeError)" in text and text.rstrip().endswith("bye")


def test_history_is_redacted_and_private(tmp_path: Path) -> None:
    path = tmp_path / "chat_history"
    history = redacted_history(FileHistory, path)
    history.store_string("check redis://:Hunter2x@cache:6379 and token ghp_abcdefghijklmnopqrstuvwxyz0123456789")
    written = path.read_text()
    assert "Hunter2x" not in written and "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in written
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
