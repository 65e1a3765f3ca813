"""The planner on a table of 200+ phrasings the project writes (tests/agent/planner_cases.yaml):
typos, word order, kubectl syntax, namespace aliases, and missing details that must become a
question instead of a guess. Names are resolved against the default sandbox scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opsgraph.agent.inventory import Inventory
from opsgraph.agent.planner.planner import DeterministicPlanner

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "planner_cases.yaml").read_text())


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 200


def _expected_calls(case: dict[str, Any], inventory: Inventory) -> list[dict[str, Any]]:
    if "delta" in case:
        d = case["delta"]
        workload = inventory.get(d["namespace"], d["name"])
        assert workload is not None, f"{d} is not in the scenario"
        replicas = workload.replicas * d["factor"] if "factor" in d else max(0, workload.replicas + d["by"])
        return [
            {
                "name": "k8s_scale",
                "args": {"name": d["name"], "namespace": d["namespace"], "replicas": replicas},
            }
        ]
    return case.get("calls", [])


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_planner_understands(case: dict[str, Any], planner: DeterministicPlanner, inventory: Inventory) -> None:
    plan = planner.plan(case["text"], inventory)
    if plan.intent != case["intent"] and not (case["intent"] == "unknown" and plan.intent == "unknown"):
        pytest.fail(f"intent {plan.intent} ({plan.confidence:.2f}), expected {case['intent']}; reply: {plan.reply}")
    if "asks" in case:
        assert plan.tool_calls == (), f"guessed {plan.tool_calls} instead of asking"
        assert plan.follow_up is not None and plan.follow_up.missing == case["asks"], plan.reply
        assert plan.reply.endswith("?") or "?" in plan.reply
        return
    # An investigation's first reads stand for its calls: the rest depend on what they show.
    first = plan.step.calls if plan.step is not None else plan.tool_calls
    got = [{"name": c.name, "args": c.args} for c in first]
    assert got == _expected_calls(case, inventory), plan.reply
