"""What a new on-call engineer hit (issue 9): every approval card shows what was asked, follow-up
answers keep the details already given, and names that do not exist are reported, not replaced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opsgraph.agent.service import Agent, AgentRequest, TurnResult


@pytest.fixture
def agent(cluster_settings: Any) -> Iterator[Agent]:
    agent = Agent(cluster_settings)
    yield agent
    agent.close()


def ask(agent: Agent, text: str, thread: str = "t1") -> TurnResult:
    return agent.handle(AgentRequest(text=text, user="alice", thread_id=thread))


def card(result: TurnResult) -> tuple[str, dict[str, Any]]:
    assert result.status == "needs_approval", result.reply
    (pending,) = result.approvals
    return pending.tool, dict(pending.args)


@pytest.mark.parametrize("message", ["scale the xyzzy service in prod to 4", "restart xyzzy in prod"])
def test_an_unknown_name_is_reported_never_replaced_by_the_last_target(agent: Agent, message: str) -> None:
    ask(agent, "status of payments in prod")
    result = ask(agent, message)
    assert result.status == "error" and not result.approvals
    assert "There is no deployment xyzzy in prod" in result.reply


def test_full_width_letters_name_the_workload_they_spell(agent: Agent) -> None:
    ask(agent, "status of payments in prod")
    assert card(ask(agent, "scale ｃｈｅｃｋｏｕｔ in prod to 4")) == (
        "k8s_scale",
        {"name": "checkout", "namespace": "prod", "replicas": 4},
    )


def test_accents_are_folded_before_names_resolve(agent: Agent) -> None:
    assert card(ask(agent, "restart chéckout in prod"))[1] == {"name": "checkout", "namespace": "prod"}


def test_a_message_that_names_no_workload_carries_the_last_target(agent: Agent) -> None:
    ask(agent, "status of payments in prod")
    assert card(ask(agent, "now restart it")) == ("k8s_restart", {"name": "payments", "namespace": "prod"})


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (
            "roll back payments to revision 2",
            ("k8s_rollback", {"name": "payments", "namespace": "prod", "revision": 2}),
        ),
        ("scale catalog to 7", ("k8s_scale", {"name": "catalog", "namespace": "prod", "replicas": 7})),
        ("add 2 pods to checkout", ("k8s_scale", {"name": "checkout", "namespace": "prod", "replicas": 5})),
    ],
)
def test_a_follow_up_answer_keeps_the_details_already_given(
    agent: Agent, first: str, expected: tuple[str, dict[str, Any]]
) -> None:
    question = ask(agent, first, thread="f")
    assert question.status == "question" and "prod or staging" in question.reply
    assert card(ask(agent, "prod", thread="f")) == expected


def test_roll_it_back_after_a_scale_undoes_the_scale(agent: Agent, sandbox: Any) -> None:
    scaled = ask(agent, "scale checkout in prod to 5")
    assert agent.decide(scaled.approvals[0].id, approve=True, by="alice").status == "done"
    undo = ask(agent, "now roll it back")
    assert card(undo) == ("k8s_scale", {"name": "checkout", "namespace": "prod", "replicas": 3})
    assert "replicas: 5 -> 3" in undo.approvals[0].diff


@pytest.mark.parametrize(
    "message", ["status of namespace qa", "status of namespace doesnotexist", "restart cart in qa"]
)
def test_a_namespace_that_does_not_exist_is_reported(agent: Agent, message: str) -> None:
    result = ask(agent, message)
    assert result.status == "error" and "There is no namespace" in result.reply
    assert "prod" in result.reply  # the names that do exist


def test_a_workload_that_does_not_exist_is_not_widened_to_the_namespace(agent: Agent) -> None:
    result = ask(agent, "status of billing in prod")
    assert result.status == "error" and "There is no deployment billing in prod" in result.reply


def test_a_namespace_outside_the_allow_list_says_so(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.agent.settings import Settings

    monkeypatch.setenv("OPSGRAPH_CLUSTER", "kubeconfig")
    monkeypatch.setenv("OPSGRAPH_KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("OPSGRAPH_NAMESPACES", "prod,staging")
    agent = Agent(Settings())
    try:
        result = ask(agent, "status of namespace ml")
    finally:
        agent.close()
    assert result.status == "error" and "outside the namespaces opsgraph may use" in result.reply


def test_posting_to_slack_from_a_turn_is_not_available(agent: Agent) -> None:
    result = ask(agent, "post the status of prod to slack")
    assert not result.tool_calls and result.reply.startswith("Not available") and "Slack" in result.reply


@pytest.mark.parametrize(
    ("words", "what"),
    [
        ("check drift on the fraud-detector model", "drift"),
        ("rebalance the gpus", "GPU"),
        ("generate terraform for postgres", "Terraform"),
    ],
)
def test_a_capability_that_is_not_installed_is_named_not_guessed(words: str, what: str) -> None:
    from opsgraph.agent.planner.limits import unavailable
    from opsgraph.core.planning import Entities

    ents = Entities((), (), (), None, None, None, None, masked=words, words=tuple(words.split()))
    answer = unavailable(ents, installed_intents={"k8s_status", "k8s_restart", "anomaly_scan"})
    assert answer is not None and answer.startswith("Not available") and what in answer
    everything = {"drift_check", "gpu_rebalance_plan", "terraform_generate"}
    assert unavailable(ents, installed_intents=everything) is None


def test_the_detail_view_shows_rollout_history_and_events_not_only_pods(agent: Agent, sandbox: Any) -> None:
    from rich.console import Console

    from opsgraph.channels.render import print_result

    sandbox.apps().patch_namespaced_deployment(
        "catalog",
        "staging",
        {"spec": {"template": {"spec": {"containers": [{"name": "catalog", "image": "x:1-broken"}]}}}},
    )
    result = ask(agent, "show events and rollout history for catalog in staging")
    console = Console(record=True, width=200)
    print_result(result, console)
    shown = console.export_text()
    assert "rollout history of staging/catalog" in shown and "change-cause" in shown
    assert "recent events of staging/catalog" in shown and "(untrusted text)" in shown


def test_an_answer_to_a_capabilitys_own_question_is_read_with_the_first_request(planner: Any, inventory: Any) -> None:
    """A question about a detail the extractor does not know (a terraform engine) is answered by
    whatever the person says next, read together with the request; nothing is restated."""
    from opsgraph.core.planning import FollowUp

    pending = FollowUp("k8s_scale", {}, "flavour", (), text="scale catalog in prod to 7")
    answered = planner.plan("the big one", inventory, pending=pending)
    assert [(c.name, c.args) for c in answered.tool_calls] == [
        ("k8s_scale", {"name": "catalog", "namespace": "prod", "replicas": 7})
    ]
