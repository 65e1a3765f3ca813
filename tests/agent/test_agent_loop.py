"""The investigation loop: several steps per turn with both brains, its limits (step cap, a
repeated call, the time budget), a write pausing mid-loop and the loop resuming after the decision,
and progress reported step by step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opsgraph.agent.progress import StepEvent
from opsgraph.agent.service import Agent, AgentRequest, TurnResult
from tests.support.fake_vllm import FakeVLLM, say, slow, tool_call

STATUS = {"name": "checkout", "namespace": "prod"}


@pytest.fixture
def make_agent(cluster_settings: Any) -> Iterator[Any]:
    agents: list[Agent] = []

    def build(fake: FakeVLLM | None = None, **overrides: Any) -> Agent:
        if fake is not None:
            overrides |= {"brain": "llm", "llm_base_url": fake.base_url, "llm_model": fake.model}
        agent = Agent(cluster_settings.model_copy(update=overrides))
        agents.append(agent)
        return agent

    yield build
    for agent in agents:
        agent.close()


def ask(agent: Agent, text: str, **kwargs: Any) -> TurnResult:
    return agent.handle(AgentRequest(text=text, user="alice", thread_id="loop"), **kwargs)


@pytest.mark.llm
def test_the_model_reads_results_and_answers_after_several_steps(make_agent: Any) -> None:
    logs = {**STATUS, "tail": 20}
    script = [tool_call("k8s_status", STATUS), tool_call("k8s_logs", logs), say("checkout is fine: 3/3 ready.")]
    with FakeVLLM(script) as fake:
        result = ask(make_agent(fake), "is checkout ok in prod? look at its logs too")
    assert result.status == "done" and result.steps == 2
    assert result.answer is not None and result.answer["diagnosis"] == "checkout is fine: 3/3 ready."
    assert [e["step"].split()[0] for e in result.answer["evidence"]] == ["k8s_status", "k8s_logs"]
    # The second request carried the first step's result back, inside a data block.
    tool_messages = [m for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages and "prod/checkout" in tool_messages[0]["content"] and "<data" in tool_messages[0]["content"]


@pytest.mark.llm
def test_a_model_repeating_a_call_is_stopped_with_what_it_found(make_agent: Any) -> None:
    with FakeVLLM([], default=tool_call("k8s_status", STATUS)) as fake:
        result = ask(make_agent(fake), "how is checkout in prod?")
    assert result.steps == 1 and len(fake.requests) == 2
    assert "repeated call" in result.reply and "k8s_status" in result.reply
    assert result.answer is not None and result.answer["evidence"]


@pytest.mark.llm
def test_the_step_cap_ends_the_turn_and_says_so(make_agent: Any) -> None:
    script = [tool_call("k8s_logs", {**STATUS, "tail": n}) for n in range(1, 10)]
    with FakeVLLM(script) as fake:
        result = ask(make_agent(fake, max_steps=3), "dig through checkout's logs in prod")
    assert result.steps == 3 and len(fake.requests) == 3
    assert "step cap (3 tool calls per turn" in result.reply


@pytest.mark.llm
def test_the_time_budget_ends_the_turn_and_says_so(make_agent: Any) -> None:
    script = [slow(0.4, tool_call("k8s_logs", {**STATUS, "tail": n})) for n in range(1, 10)]
    with FakeVLLM(script) as fake:
        result = ask(make_agent(fake, turn_budget_s=0.6), "dig through checkout's logs in prod")
    assert 1 <= result.steps < 9
    assert "time budget" in result.reply


@pytest.mark.llm
def test_a_write_pauses_the_loop_which_resumes_after_the_decision(make_agent: Any, sandbox: Any) -> None:
    script = [
        tool_call("k8s_status", STATUS),
        tool_call("k8s_scale", {**STATUS, "replicas": 4}),
        say("Scaled checkout to 4 replicas; all pods are coming up."),
    ]
    with FakeVLLM(script) as fake:
        agent = make_agent(fake)
        paused = ask(agent, "checkout in prod needs one more pod")
        assert paused.status == "needs_approval" and "replicas: 3 -> 4" in paused.approvals[0].diff
        assert sandbox.apps().read_namespaced_deployment("checkout", "prod").spec.replicas == 3
        done = agent.decide(paused.approvals[0].id, approve=True, by="alice")
    assert done.status == "done" and done.steps == 2
    assert "Scaled checkout to 4 replicas" in done.reply
    assert sandbox.apps().read_namespaced_deployment("checkout", "prod").spec.replicas == 4
    events = [e.event for e in agent.audit.entries(thread_id="loop")]
    assert events.count("plan") == 3 and events.count("executed") == 2


def test_the_planner_investigates_and_reports_progress_step_by_step(make_agent: Any, sandbox: Any) -> None:
    broken = {"spec": {"template": {"spec": {"containers": [{"name": "catalog", "image": "catalog:9.9.9-broken"}]}}}}
    sandbox.apps().patch_namespaced_deployment("catalog", "staging", broken)
    seen: list[StepEvent] = []
    agent = make_agent()
    result = _until_crashing(agent, seen)
    assert result.answer is not None and result.answer["root_cause"]["reason"] == "CrashLoopBackOff"
    assert [(e.tool, e.phase) for e in seen][:4] == [
        ("k8s_status", "started"), ("k8s_status", "done"), ("k8s_logs", "started"), ("k8s_logs", "done"),
    ]  # fmt: skip
    assert seen[0].describe() == "checking staging/catalog..."
    assert result.answer["fix"] == {"name": "k8s_rollback", "args": {"namespace": "staging", "name": "catalog"}}
    assert result.status == "needs_approval" and result.approvals[0].tool == "k8s_rollback"


def _until_crashing(agent: Agent, seen: list[StepEvent]) -> TurnResult:
    """The broken release needs a moment to crash twice; ask again until it shows (bounded)."""
    import time

    deadline = time.monotonic() + 20
    while True:
        seen.clear()
        result = agent.handle(
            AgentRequest(text="why is catalog failing in staging?", user="alice"), on_step=seen.append
        )
        reason = (result.answer or {}).get("root_cause", {}).get("reason")
        if reason == "CrashLoopBackOff" or time.monotonic() > deadline:
            return result
        time.sleep(0.3)
