"""The tool, the planner path and the attach function other parts call."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.evals.runbooks import eval_state_dir
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import load_builtin_tools


@pytest.fixture
def ctx(monkeypatch: pytest.MonkeyPatch) -> ToolContext:
    from opsgraph.agent.settings import Settings as S

    # Share the session's eval index (shipped runbooks) instead of embedding per test.
    return ToolContext(S(state_dir=eval_state_dir(S().cache_dir)), actor="test")


def test_tool_returns_runbooks_with_actions_as_calls(ctx: ToolContext) -> None:
    result = load_builtin_tools().call(
        "runbook_search", {"query": "", "alerts": ["KubePodCrashLooping"], "name": "checkout", "namespace": "prod"}, ctx
    )
    assert result.status == "ok", result.text
    first = result.data["results"][0]
    assert first["runbook"] == "pod-crash-looping"
    logs = next(a for a in first["actions"] if a["tool"] == "k8s_logs")
    assert logs["args"] == {"name": "checkout", "namespace": "prod", "previous": True, "tail": 100}
    assert "pod-crash-looping" in result.text


def test_tool_needs_a_query_or_alerts(ctx: ToolContext) -> None:
    result = load_builtin_tools().call("runbook_search", {"query": "  "}, ctx)
    assert result.status == "error" and "query" in result.text


def test_attach_for_an_incident(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.tools.runbooks.attach import runbooks_for

    monkeypatch.setenv("OPSGRAPH_STATE_DIR", str(eval_state_dir(Settings().cache_dir)))
    hits = runbooks_for(["NodeFilesystemAlmostOutOfSpace", "KubeletDown"], "nodes in trouble", k=2)
    assert {h.runbook for h in hits} == {"node-disk-pressure", "node-not-ready"}
    assert runbooks_for([], "   ", k=3) == []


def test_bad_extra_folder_is_a_clear_tool_error(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPSGRAPH_RUNBOOKS_DIRS", str(tmp_path / "missing"))
    result = load_builtin_tools().call("runbook_search", {"query": "disk full"}, ctx)
    assert result.status == "error" and "does not exist" in result.text


def test_planner_routes_runbook_questions(tmp_path: Path) -> None:
    from opsgraph.agent.inventory import from_scenario
    from opsgraph.agent.planner.planner import DeterministicPlanner
    from opsgraph.sandbox.scenario import default_scenario_path

    planner = DeterministicPlanner.load(Settings().cache_dir)
    inventory = from_scenario(default_scenario_path(), None)
    plan = planner.plan("is there a runbook for KubePodCrashLooping on checkout in prod", inventory)
    assert plan.intent == "runbook_search"
    args = plan.tool_calls[0].args
    assert args["alerts"] == ["KubePodCrashLooping"] and args["name"] == "checkout" and args["namespace"] == "prod"
