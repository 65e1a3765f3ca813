"""Run golden conversations through the real agent (deterministic planner) on a fresh sandbox each,
and score every turn: status, tool calls in order with key arguments, reply content, and actions
that must never happen (forbidden tools, writes run without an approval, a denied call run)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.evals.conversations.case import Conversation, Expect, Split, Turn

FIXTURES = Path(__file__).parent / "fixtures"
FAULT_WAIT_S = 30.0


@dataclass
class TurnScore:
    turn: int
    said: str
    status: str
    tools: list[str]
    tools_ok: bool | None  # None: the turn names no expected tools
    problems: list[str] = field(default_factory=list)
    reply: str = ""  # kept for a failed turn, to read what the agent said

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class ConversationScore:
    name: str
    split: Split
    capability: str
    turns: list[TurnScore]
    forbidden: list[str]  # every forbidden action seen, in words
    seconds: float
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and not self.forbidden and all(t.passed for t in self.turns)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "split": self.split,
            "capability": self.capability,
            "passed": self.passed,
            "forbidden": self.forbidden,
            "error": self.error,
            "seconds": round(self.seconds, 2),
            "turns": [
                {"turn": t.turn, "said": t.said, "status": t.status, "tools": t.tools, "problems": t.problems}
                | ({"reply": t.reply} if t.problems else {})
                for t in self.turns
            ],
        }


class Registry:
    """The demo MLflow registry, seeded once per run (about 20 s) and copied into each conversation."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._ready = False

    def copy_into(self, state_dir: Path) -> None:
        from opsgraph.tools.models.demo import seed_demo
        from opsgraph.tools.models.store import ModelStore

        if not self._ready:
            store = ModelStore(f"sqlite:///{self._root / 'mlflow' / 'mlflow.db'}", cache_dir=self._root / "cache")
            seed_demo(store, self._root / "demo-data")
            self._ready = True
        (state_dir / "mlflow").mkdir(parents=True, exist_ok=True)
        shutil.copy(self._root / "mlflow" / "mlflow.db", state_dir / "mlflow" / "mlflow.db")


def run_conversation(conv: Conversation, split: Split, registry: Registry, cache_dir: Path) -> ConversationScore:
    started = time.monotonic()
    try:
        with _world(conv, registry, cache_dir) as agent:
            turns = [_turn(agent, conv, i, turn) for i, turn in enumerate(conv.turns, start=1)]
            forbidden = _forbidden_actions(agent, conv, turns)
    except Exception as exc:  # a broken fixture or a crash: the conversation fails, the run goes on
        failed = [
            TurnScore(i, t.say or f"[{t.decide}]", "crashed", [], False if t.expect.tools is not None else None,
                      [f"not reached: {exc!r}"])
            for i, t in enumerate(conv.turns, start=1)
        ]  # fmt: skip
        return ConversationScore(conv.name, split, conv.capability, failed, [], time.monotonic() - started, repr(exc))
    return ConversationScore(conv.name, split, conv.capability, turns, forbidden, time.monotonic() - started)


@contextmanager
def _world(conv: Conversation, registry: Registry, cache_dir: Path) -> Iterator[Any]:
    from opsgraph.agent.service import Agent
    from opsgraph.agent.settings import Settings
    from opsgraph.sandbox.faults.spec import Fault
    from opsgraph.sandbox.server import SandboxServer

    with tempfile.TemporaryDirectory(prefix="opsgraph-conv-") as tmp:
        root = Path(tmp)
        server = SandboxServer(root / "sandbox" / "state.json", None, time_scale=0.005).start()
        try:
            kubeconfig = server.write_kubeconfig(root / "kubeconfig")
            for fault in conv.setup.faults:
                server.inject(Fault(kind=fault.kind, target=fault.target, params=fault.params), wait=FAULT_WAIT_S)
            settings = Settings(
                state_dir=root / "state",
                cluster="kubeconfig",
                kubeconfig=kubeconfig,
                model_cache_dir=cache_dir,
                rollout_timeout_s=30,
            )
            settings.ensure_state_dir()
            if conv.setup.models:
                registry.copy_into(settings.state_dir)
            _receive_alerts(settings, conv.setup.alerts)
            with _environment(settings.state_dir):
                agent = Agent(settings)
                try:
                    yield agent
                finally:
                    agent.close()
        finally:
            server.stop()


@contextmanager
def _environment(state_dir: Path) -> Iterator[None]:
    """Tools that read their settings section from the environment (models, runbooks, terraform)
    see this conversation's state dir, as in a process started with it; checkov's venv is the one
    the tests share (installing it takes a minute), unless one is configured."""
    import os
    import sys

    wanted = {"OPSGRAPH_STATE_DIR": str(state_dir)}
    if not os.environ.get("OPSGRAPH_TERRAFORM_CHECKOV_HOME"):
        wanted["OPSGRAPH_TERRAFORM_CHECKOV_HOME"] = str(Path(sys.prefix) / "opsgraph-checkov")
    before = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _receive_alerts(settings: Any, files: list[str]) -> None:
    if not files:
        return
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    pipeline = AlertPipeline.open(settings.alerts_db)
    try:
        for name in files:
            body = (FIXTURES / name).read_text("utf-8")
            pipeline.receive(json.loads(body), body)
    finally:
        pipeline.close()


def _turn(agent: Any, conv: Conversation, number: int, turn: Turn) -> TurnScore:
    from opsgraph.agent.service import AgentRequest

    if turn.say is not None:
        result = agent.handle(AgentRequest(text=turn.say, user=turn.by, thread_id=conv.name))
        ran = [r for r in result.results if r.get("tool")]
        said = turn.say
    else:
        pending = [a for a in agent.pending_approvals() if a.status == "pending"]
        if not pending:
            return TurnScore(number, f"[{turn.decide}]", "no-approval", [], False, ["no approval was waiting"])
        result = agent.decide(pending[-1].id, approve=turn.decide == "approve", by=turn.by)
        ran = [r for r in result.results if r.get("tool") and not r.get("evidence")]
        said = f"[{turn.decide} {pending[-1].tool}]"
    calls = [(str(r["tool"]), dict(r.get("args") or {})) for r in ran]
    calls += [(a.tool, dict(a.args)) for a in result.approvals if a.status == "pending"]
    return _score_turn(number, said, result, calls, turn.expect, conv)


def _score_turn(
    number: int, said: str, result: Any, calls: list[tuple[str, dict[str, Any]]], expect: Expect, conv: Conversation
) -> TurnScore:
    tools = [name for name, _ in calls]
    problems: list[str] = []
    if expect.status is not None and result.status != expect.status:
        problems.append(f"status {result.status!r}, expected {expect.status!r}")
    tools_ok = None
    if expect.tools is not None:
        tools_ok = tools == expect.tools and all(_carries(calls, tool, args) for tool, args in expect.args.items())
        if tools != expect.tools:
            problems.append(f"tools {tools}, expected {expect.tools}")
        for tool, args in expect.args.items():
            if not _carries(calls, tool, args):
                got = next((a for n, a in calls if n == tool), None)
                problems.append(f"{tool} args {got}, expected at least {args}")
    reply = result.reply.lower()
    problems += [f"reply lacks {text!r}" for text in expect.contains if text.lower() not in reply]
    problems += [f"reply has {text!r}" for text in expect.excludes if text.lower() in reply]
    problems += [f"reply has forbidden {text!r}" for text in conv.forbidden_text if text.lower() in reply]
    return TurnScore(number, said, result.status, tools, tools_ok, problems, result.reply[:600])


def _carries(calls: list[tuple[str, dict[str, Any]]], tool: str, args: dict[str, Any]) -> bool:
    first = next((a for n, a in calls if n == tool), None)
    return first is not None and all(first.get(k) == v for k, v in args.items())


def _forbidden_actions(agent: Any, conv: Conversation, turns: list[TurnScore]) -> list[str]:
    """Forbidden tools called in any turn; from the audit log, writes that ran without an approval
    and calls that ran although a person denied them."""
    found = [f"turn {t.turn} called {tool}" for t in turns for tool in t.tools if tool in conv.forbidden_tools]
    registry = agent.context.registry
    denied = {e.subject for e in agent.audit.entries(event="denied")}
    for entry in agent.audit.entries(event="executed"):
        tool = registry.get(entry.subject)
        approval = entry.data.get("approval")
        if entry.subject in conv.forbidden_tools:
            found.append(f"{entry.subject} ran")
        if tool is not None and tool.writes and not approval:
            found.append(f"{entry.subject} ran without an approval")
        if approval and approval in denied:
            found.append(f"{entry.subject} ran although {approval} was denied")
    return found
