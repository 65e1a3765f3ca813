"""Planner suite: tool and argument accuracy of the deterministic planner on the project's own
phrasings (tests/agent/planner_cases.yaml, written apart from the intent training examples).

- intent_accuracy: the recognised intent is the expected one.
- tool_accuracy: the planned tool names equal the expected ones (none when a question is expected).
- argument_accuracy: over cases that expect calls, the calls equal the expected ones exactly.
- ask_accuracy: over cases that expect a question, it asks for the expected detail.
Names resolve against the default sandbox scenario. Needs no public data; skips when the cases
file is absent (an installed wheel carries no tests/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from opsgraph.evals.base import EvalReport, Metric

CASES = Path(__file__).resolve().parent.parent / "tests" / "agent" / "planner_cases.yaml"


def expected_calls(case: dict[str, Any], inventory: Any) -> list[dict[str, Any]]:
    """The case's calls; `delta` cases are relative to the workload's replicas in the scenario."""
    if "delta" in case:
        d = case["delta"]
        workload = inventory.get(d["namespace"], d["name"])
        if workload is None:
            raise ValueError(f"{d} is not in the scenario")
        replicas = workload.replicas * d["factor"] if "factor" in d else max(0, workload.replicas + d["by"])
        return [{"name": "k8s_scale", "args": {"name": d["name"], "namespace": d["namespace"], "replicas": replicas}}]
    calls: list[dict[str, Any]] = case.get("calls", [])
    return calls


def run(data_dir: Path | None = None, cases_file: Path = CASES) -> EvalReport:
    from opsgraph.agent.inventory import from_scenario
    from opsgraph.agent.planner.planner import DeterministicPlanner
    from opsgraph.agent.settings import Settings
    from opsgraph.sandbox.scenario import default_scenario_path

    if not cases_file.is_file():
        return EvalReport(suite="planner", skipped=f"{cases_file} not found (the cases live in the source tree)")
    cases: list[dict[str, Any]] = yaml.safe_load(cases_file.read_text())
    planner = DeterministicPlanner.load(Settings().cache_dir)
    inventory = from_scenario(default_scenario_path(), None)
    intent_ok = tool_ok = args_ok = asks_ok = calls_total = asks_total = 0
    failures: list[dict[str, Any]] = []
    for case in cases:
        plan = planner.plan(case["text"], inventory)
        got = [{"name": c.name, "args": c.args} for c in plan.tool_calls]
        intent_ok += plan.intent == case["intent"]
        if "asks" in case:
            asks_total += 1
            asked = not got and plan.follow_up is not None and plan.follow_up.missing == case["asks"]
            tool_ok += not got
            asks_ok += asked
            good = asked
        else:
            want = expected_calls(case, inventory)
            calls_total += 1
            tool_ok += [c["name"] for c in got] == [c["name"] for c in want]
            good = got == want
            args_ok += good
        if not good or plan.intent != case["intent"]:
            failures.append({"text": case["text"], "expected": case.get("calls") or case.get("asks") or
                             case.get("delta"), "intent": plan.intent, "got": got})  # fmt: skip
    n = len(cases)
    return EvalReport(
        suite="planner",
        metrics=[
            Metric(name="intent_accuracy", value=round(intent_ok / n, 4)),
            Metric(name="tool_accuracy", value=round(tool_ok / n, 4)),
            Metric(name="argument_accuracy", value=round(args_ok / max(calls_total, 1), 4)),
            Metric(name="ask_accuracy", value=round(asks_ok / max(asks_total, 1), 4)),
        ],
        details={"cases": n, "with_calls": calls_total, "with_questions": asks_total, "failures": failures[:50]},
    )
