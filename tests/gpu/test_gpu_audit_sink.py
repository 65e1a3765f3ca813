"""The GPU apply audits each step into the sink its caller passes (the agent passes its own
hash-chained log), and no GPU module imports the agent: tools sit below agent/."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.gpu import applying
from opsgraph.tools.gpu.steps import Step

GPU = Path(applying.__file__).parent


class RecordingSink:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def append(self, event: str, *, actor: str, thread_id: str = "", subject: str = "", data: Any = None,
               durable: bool = True) -> object:  # fmt: skip
        self.rows.append({"event": event, "actor": actor, "subject": subject, "data": data, "durable": durable})
        return None


def _step() -> Step:
    return Step("cordon", "gpu-a100-3")


def test_each_applied_step_is_audited_durably_in_the_callers_sink(isolated_state: Path) -> None:
    sink = RecordingSink()
    ctx = ToolContext(Settings(), actor="alice", audit=sink)
    record = applying._auditor(ctx.with_actor("bob"), "plan-1", "appr-1")
    record(_step(), {"did": "cordoned gpu-a100-3", "undo": "kubectl uncordon gpu-a100-3", "other": 1})
    assert sink.rows == [{
        "event": "gpu_apply_step", "actor": "bob", "subject": "gpu_rebalance_apply", "durable": True,
        "data": {"plan": "plan-1", "approval": "appr-1", "step": _step().title, "did": "cordoned gpu-a100-3",
                 "undo": "kubectl uncordon gpu-a100-3"},
    }]  # fmt: skip


def test_without_a_sink_the_apply_still_runs_and_writes_no_audit_file(isolated_state: Path) -> None:
    settings = Settings()
    record = applying._auditor(ToolContext(settings, actor="alice"), "plan-1", None)
    record(_step(), {"did": "cordoned gpu-a100-3"})
    assert not settings.audit_db.exists()


def test_the_agent_hands_its_audit_log_to_the_tools(isolated_state: Path) -> None:
    from opsgraph.agent.service import Agent

    agent = Agent(Settings())
    try:
        assert agent.context.tools.audit is agent.audit
        assert agent.context.tools.with_actor("bob").audit is agent.audit
    finally:
        agent.close()


def test_no_gpu_module_imports_the_agent_at_run_time() -> None:
    offenders = []
    for path in sorted(GPU.glob("*.py")):
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and ast.unparse(node.test) == "TYPE_CHECKING" for n in ast.walk(node)}  # fmt: skip
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("opsgraph.agent"):
                offenders.append(f"{path.name}:{node.lineno} {node.module}")
            if isinstance(node, ast.Import):
                offenders += [
                    f"{path.name}:{node.lineno} {a.name}" for a in node.names if a.name.startswith("opsgraph.agent")
                ]
    assert offenders == []
