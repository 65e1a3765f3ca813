"""The router brain through the whole agent, against a local server answering as vLLM does: the
planner answers what it is sure of without calling the model, open questions reach the model, and
a model that is down, slow, erroring, or answering kubectl text leaves the planner in charge with
a reply that says so. Which brain answered is in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opsgraph.agent.service import Agent, AgentRequest
from tests.support.fake_vllm import FakeVLLM, fail, say, slow, tool_call

pytestmark = pytest.mark.llm


@pytest.fixture
def router_agent(cluster_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("OPSGRAPH_LLM_TIMEOUT_S", "0.5")
    monkeypatch.setenv("OPSGRAPH_LLM_RETRIES", "1")
    agents: list[Agent] = []

    def build(base_url: str, model: str = "Qwen/Qwen2.5-7B-Instruct-AWQ") -> Agent:
        settings = cluster_settings.model_copy(update={"brain": "router", "llm_base_url": base_url, "llm_model": model})
        agents.append(Agent(settings))
        return agents[-1]

    yield build
    for agent in agents:
        agent.close()


def ask(agent: Agent, text: str) -> Any:
    return agent.handle(AgentRequest(text=text, user="alice", thread_id="router"))


def answered_by(agent: Agent) -> list[str]:
    """Who answered each plan, as the audit log recorded it."""
    import json
    import sqlite3

    db = sqlite3.connect(agent.settings.audit_db)
    rows = db.execute("SELECT data FROM audit WHERE event = 'plan' ORDER BY seq").fetchall()
    db.close()
    return [str(json.loads(r[0]).get("answered_by", r[0])) for r in rows]


def test_a_clear_request_never_reaches_the_model(router_agent: Any) -> None:
    with FakeVLLM([]) as fake:
        result = ask(router_agent(fake.base_url), "status of checkout in prod")
    assert result.status == "done" and "prod/checkout" in result.reply
    assert fake.requests == []


def test_an_open_question_goes_to_the_model(router_agent: Any) -> None:
    turns = [
        tool_call("k8s_logs", {"name": "payments", "namespace": "prod", "tail": 100}),
        say("payments restarted because its container ran out of memory."),
    ]
    with FakeVLLM(turns) as fake:
        result = ask(router_agent(fake.base_url), "why did payments restart three times tonight?")
    assert len(fake.requests) == 2, "the model plans, sees the logs, then answers"
    assert fake.requests[0]["messages"][-1]["content"] == "why did payments restart three times tonight?"
    assert result.reply.startswith("payments restarted because")


@pytest.mark.parametrize(
    "turns",
    [
        pytest.param([fail(500), fail(500)], id="500"),
        pytest.param([slow(2.0, say("late")), slow(2.0, say("late"))], id="timeout"),
        pytest.param(
            [say("Run this:\n```bash\nkubectl rollout restart deployment/payments -n prod\n```")], id="kubectl-text"
        ),
        pytest.param([tool_call("delete_everything", {}), tool_call("delete_everything", {})], id="unknown-tool"),
        pytest.param(
            [tool_call("k8s_status", '{"name": "payments", namespace: prod'), tool_call("k8s_status", "{oops")],
            id="malformed-arguments",
        ),
    ],
)
def test_a_misbehaving_model_leaves_the_planner_in_charge(router_agent: Any, turns: list[Any]) -> None:
    with FakeVLLM(turns) as fake:
        agent = router_agent(fake.base_url)
        result = ask(agent, "why is payments in prod crashing? show me its logs")
    assert fake.requests, "the open question must have been tried on the model"
    assert result.status == "done"
    assert [c["name"] for c in result.tool_calls] == ["k8s_logs"]
    assert "kubectl rollout restart" not in result.reply
    assert any(a.startswith("planner (the model failed") for a in answered_by(agent)), answered_by(agent)


def test_server_down_the_planner_answers_and_says_the_model_is_unavailable(router_agent: Any) -> None:
    agent = router_agent("http://127.0.0.1:9/v1")
    result = ask(agent, "explain the difference between a rollback and a redeploy")
    assert result.status in ("done", "question") and "model is unavailable" in result.reply
    assert result.tool_calls == []
    assert answered_by(agent) == ["planner (the model failed: unavailable)"]


def test_a_write_the_planner_is_unsure_of_is_asked_not_proposed_when_the_model_is_down(router_agent: Any) -> None:
    agent = router_agent("http://127.0.0.1:9/v1")
    agent.context.brain.confidence = 1.01  # the planner is "unsure" of everything in this test
    result = ask(agent, "scale checkout in prod to 5")
    assert result.status != "needs_approval" and result.approvals == []
    assert "did you mean k8s_scale" in result.reply and "model is unavailable" in result.reply


def test_the_router_records_which_brain_answered_and_the_tokens(router_agent: Any) -> None:
    from opsgraph.agent.brain import BrainInput
    from opsgraph.agent.inventory import from_scenario
    from opsgraph.sandbox.scenario import default_scenario_path

    inventory = from_scenario(default_scenario_path(), None)
    with FakeVLLM([say("It restarted because of OOM; raise the memory limit.")]) as fake:
        agent = router_agent(fake.base_url)
        brain = agent.context.brain
        from langchain_core.messages import HumanMessage

        text = "why did payments restart three times tonight?"
        out = brain.plan(BrainInput(text, [HumanMessage(text)], inventory))
        clear = brain.plan(BrainInput("status of cart in prod", [HumanMessage("status of cart in prod")], inventory))
    assert out.extra["answered_by"] == "llm" and out.extra["tokens"]["completion"] > 0
    assert clear.extra["answered_by"] == "planner" and clear.extra["route"] == "confident"
    from opsgraph.serving.metrics import LLM_METRICS

    rendered = LLM_METRICS.render()
    assert 'opsgraph_brain_turns_total{brain="llm",route="model"}' in rendered
    assert "opsgraph_llm_request_seconds_bucket" in rendered
