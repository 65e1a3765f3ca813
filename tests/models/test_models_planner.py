"""Chat phrasings for the model tools, with model names resolved against a seeded registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.inventory import from_scenario
from opsgraph.agent.planner.planner import DeterministicPlanner
from opsgraph.sandbox.scenario import default_scenario_path

CASES: list[tuple[str, str, list[tuple[str, dict[str, Any]]]]] = [
    ("check drift on the fraud-detector model", "drift_check", [("drift_check", {"model": "fraud-detector"})]),
    ("has the churn model drifted?", "drift_check", [("drift_check", {"model": "churn-model"})]),
    ("promote version 2 of fraud-detector", "model_promote",
     [("model_promote", {"model": "fraud-detector", "version": 2, "alias": "champion"})]),
    ("roll back the fraud model", "model_rollback", [("model_rollback", {"model": "fraud-detector"})]),
    ("retrain fraud-detector", "model_retrain", [("model_retrain", {"model": "fraud-detector"})]),
    ("model status", "model_status", [("model_status", {})]),
    # "show model X" once read as a rollback (a write asking for approval) or as nothing at all
    ("show model fraud-detection", "model_status", [("model_status", {"model": "fraud-detector"})]),
    ("show me the churn model", "model_status", [("model_status", {"model": "churn-model"})]),
    ("is fraud-detector still ok?", "model_health",
     [("model_status", {"model": "fraud-detector"}), ("drift_check", {"model": "fraud-detector"})]),
    ("promote the challenger of fraud-detector", "model_promote",
     [("model_promote", {"model": "fraud-detector", "version": 2, "alias": "champion"})]),
]  # fmt: skip


@pytest.fixture
def planner(registry_state: Path, model_cache: Path) -> DeterministicPlanner:
    return DeterministicPlanner.load(model_cache)


@pytest.mark.parametrize(("text", "intent", "calls"), CASES, ids=[c[0] for c in CASES])
def test_model_phrasings(planner: DeterministicPlanner, text: str, intent: str, calls: list[Any]) -> None:
    plan = planner.plan(text, from_scenario(default_scenario_path(), None))
    assert plan.intent == intent, plan.reply
    assert [(c.name, c.args) for c in plan.tool_calls] == calls, plan.reply


def test_a_missing_model_is_asked_for(planner: DeterministicPlanner) -> None:
    plan = planner.plan("retrain the model", from_scenario(default_scenario_path(), None))
    assert plan.tool_calls == () and plan.follow_up is not None and plan.follow_up.missing == "model"
    assert "fraud-detector" in plan.follow_up.options
