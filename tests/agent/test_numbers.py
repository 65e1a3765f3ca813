"""Numbers are used as written or refused: a minus sign is never dropped, a number beyond any API
limit never reaches a tool (or the checkpoint), and the turn answers instead of crashing."""

from __future__ import annotations

from typing import Any

import pytest

from opsgraph.agent.planner.planner import DeterministicPlanner
from opsgraph.agent.service import Agent, AgentRequest


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("scale checkout in staging to -1", "-1"),
        ("add -3 pods to checkout in staging", "-3"),
        ("scale checkout in staging by -2", "-2"),
        ("roll back checkout in prod to revision -1", "-1"),
        ("scale checkout in staging to \u22121", "-1"),  # the Unicode minus sign
        ("scale checkout in staging replicas=-2", "-2"),
    ],
)
def test_a_negative_number_is_refused_never_flipped(planner: DeterministicPlanner, inventory: Any, text: str,
                                                     shown: str) -> None:  # fmt: skip
    plan = planner.plan(text, inventory)
    assert plan.tool_calls == () and f"can't use {shown}" in plan.reply and "never negative" in plan.reply


@pytest.mark.parametrize(
    "text", ["scale checkout in staging to 99999999999999999999999", "roll back cart in prod to revision 4294967296"]
)
def test_a_number_beyond_the_api_limit_is_refused_clearly(planner: DeterministicPlanner, inventory: Any,
                                                          text: str) -> None:  # fmt: skip
    plan = planner.plan(text, inventory)
    assert plan.tool_calls == () and "larger than any count Kubernetes accepts" in plan.reply


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("scale checkout in staging to 3", {"replicas": 3}),
        ("scale checkout in staging to 0", {"replicas": 0}),
        ("show 20 lines of logs of checkout in staging", {"tail": 20}),
        ("roll back checkout in prod to revision 2", {"revision": 2}),
    ],
)
def test_ordinary_numbers_still_plan(planner: DeterministicPlanner, inventory: Any, text: str, args: dict) -> None:
    plan = planner.plan(text, inventory)
    assert plan.tool_calls and args.items() <= plan.tool_calls[0].args.items(), plan.reply


def test_a_huge_number_answers_the_turn_instead_of_crashing_it(cluster_settings: Any) -> None:
    agent = Agent(cluster_settings)
    result = agent.handle(
        AgentRequest(text="scale checkout in staging to 99999999999999999999999", user="alice", thread_id="t1")
    )
    assert result.status != "needs_approval" and "larger than any count" in result.reply
    follow = agent.handle(AgentRequest(text="scale checkout in staging to 3", user="alice", thread_id="t1"))
    assert follow.status == "needs_approval"  # the conversation (and its checkpoint) still works
    agent.close()
