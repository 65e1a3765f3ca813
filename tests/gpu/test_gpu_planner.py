"""The planner's GPU paths: phrasings -> the GPU tools and their arguments, and the policy that
puts the apply in front of two people."""

from __future__ import annotations

from typing import Any

import pytest

from opsgraph.agent.inventory import Inventory
from opsgraph.agent.planner.planner import DeterministicPlanner
from opsgraph.agent.policy import ActionRequest
from opsgraph.guardrails.policy.engine import PolicyEngine
from opsgraph.tools.registry import load_builtin_tools

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("where is GPU money going?", "gpu_status", {}),
    ("where are we wasting GPUs?", "gpu_status", {}),
    ("gpu status", "gpu_status", {}),
    ("which gpus are sitting idle", "gpu_status", {}),
    ("can a new 8-GPU training job fit?", "gpu_status", {"large_job_gpus": 8}),
    ("is there room for a 4 gpu job right now", "gpu_status", {"large_job_gpus": 4}),
    ("rebalance the GPUs", "gpu_rebalance_plan", {}),
    ("how many gpu nodes could we free up?", "gpu_rebalance_plan", {}),
    ("consolidate the gpu workloads onto fewer nodes", "gpu_rebalance_plan", {}),
    ("defrag the gpus", "gpu_rebalance_plan",
     {"objectives": ["defragment", "free_nodes", "right_size", "scale_to_zero"]}),
    ("plan gpu consolidation with time slicing first", "gpu_rebalance_plan",
     {"objectives": ["right_size", "free_nodes", "defragment", "scale_to_zero"]}),
    ("apply the gpu rebalancing plan", "gpu_rebalance_apply", {}),
    ("go ahead and execute the gpu rebalance", "gpu_rebalance_apply", {}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "tool", "args"), CASES, ids=[c[0] for c in CASES])
def test_gpu_phrasings_plan_the_gpu_tools(
    text: str, tool: str, args: dict[str, Any], planner: DeterministicPlanner, inventory: Inventory
) -> None:
    plan = planner.plan(text, inventory)
    assert plan.intent == tool, f"{plan.intent} ({plan.confidence:.2f}): {plan.reply}"
    assert [(c.name, c.args) for c in plan.tool_calls] == [(tool, args)]


K8S = ["scale vllm-qwen down to 1", "status of the ml namespace", "restart fraud-model-server"]


@pytest.mark.parametrize("text", K8S)
def test_k8s_phrasings_about_gpu_workloads_stay_k8s(
    text: str, planner: DeterministicPlanner, inventory: Inventory
) -> None:
    assert planner.plan(text, inventory).intent.startswith("k8s_")


def test_planned_arguments_validate_against_the_tools(planner: DeterministicPlanner, inventory: Inventory) -> None:
    registry = load_builtin_tools()
    for text, _tool, _ in CASES:
        for call in planner.plan(text, inventory).tool_calls:
            registered = registry.get(call.name)
            assert registered is not None
            registered.args_model.model_validate(call.args)


def test_the_apply_is_destructive_and_needs_two_people_by_the_default_policy() -> None:
    registry = load_builtin_tools()
    tool = registry.get("gpu_rebalance_apply")
    assert tool is not None and tool.risk == "destructive"
    decision = PolicyEngine.load(None).decide(
        ActionRequest("gpu_rebalance_apply", "destructive", {}, "alice", "cli", "human")
    )
    assert decision.effect == "approve" and decision.two_person
    plan_decision = PolicyEngine.load(None).decide(
        ActionRequest("gpu_rebalance_plan", "read", {}, "alice", "cli", "human")
    )
    assert plan_decision.effect == "allow"
