"""The REPL loads the first turn's heavy imports while the person types: the prompt does not wait
for them, the first turn does (so no module is imported by two threads at once), and a module
that cannot be imported does not break the session."""

from __future__ import annotations

import importlib.util
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from opsgraph.channels.repl import WARM_IMPORTS, run_repl

SLOW_IMPORT_S = 0.6


class TimedSession:
    """Types one message at once (a fast typist), then Ctrl-D; records when each prompt appeared."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.prompted_at: list[float] = []

    def prompt(self, _: str) -> str:
        self.prompted_at.append(time.perf_counter())
        if len(self.prompted_at) > 1:
            raise EOFError
        return self.message


class RecordingAgent:
    """Just enough of an Agent for the REPL: records which warm modules were loaded at its turn."""

    def __init__(self, watched: str) -> None:
        self.settings = SimpleNamespace(user="alice")
        self.watched = watched
        self.loaded_at_turn: bool | None = None

    def handle(self, request: Any) -> Any:
        self.loaded_at_turn = self.watched in sys.modules
        return SimpleNamespace(status="done", reply="ok", tool_calls=[], approvals=[])


@pytest.fixture
def slow_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"opsgraph_test_slow_import_{time.monotonic_ns()}"
    (tmp_path / f"{name}.py").write_text(f"import time\ntime.sleep({SLOW_IMPORT_S})\nLOADED_AT = time.perf_counter()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def _run(agent: RecordingAgent, session: TimedSession, warm: tuple[str, ...]) -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("opsgraph.channels.repl.print_result", lambda result, console: console.print(result.reply))
        run_repl(agent, session=session, console=Console(file=out, width=120), warm=warm)
    return out.getvalue()


def test_the_prompt_does_not_wait_for_the_warm_up_and_the_first_turn_does(slow_module: str) -> None:
    agent, session = RecordingAgent(slow_module), TimedSession("status of prod")
    out = _run(agent, session, (slow_module,))
    assert session.prompted_at[0] < sys.modules[slow_module].LOADED_AT, "the prompt waited for the warm-up"
    assert agent.loaded_at_turn is True, "the first turn ran before the warm-up had finished"
    assert "ok" in out and out.rstrip().endswith("bye")


def test_a_module_that_cannot_be_imported_does_not_break_the_session() -> None:
    agent = RecordingAgent("opsgraph_no_such_module_anywhere")
    out = _run(agent, TimedSession("help"), ("opsgraph_no_such_module_anywhere",))
    assert agent.loaded_at_turn is False
    assert "ok" in out and "failed" not in out


def _exists(dotted: str) -> bool:
    """Whether a module's file is installed, without importing its (heavy) packages."""
    top, *rest = dotted.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not rest:
        return spec is not None
    for root in spec.submodule_search_locations or []:
        base = Path(root, *rest)
        if base.with_suffix(".py").exists() or (base / "__init__.py").exists():
            return True
    return False


def test_the_default_warm_up_names_modules_that_are_installed() -> None:
    assert [name for name in WARM_IMPORTS if not _exists(name)] == []
    assert not _exists("mlflow.no_such_module"), "the check must be able to fail"
