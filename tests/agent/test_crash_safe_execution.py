"""A write whose process dies mid-call leaves a trail: "executing" before the call, and on the next
start a reconcile asks the cluster whether the change landed, settles the approval and audits it.
A consumed approval that never ran is listed and can be retried once by an approver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opsgraph.agent.service import Agent, AgentRequest
from opsgraph.tools.registry import REGISTRY


class ProcessDied(BaseException):
    """Stands in for kill -9 inside one process: nothing after it runs, no handler catches it."""


@pytest.fixture
def agent(cluster_settings: Any) -> Iterator[Agent]:
    agent = Agent(cluster_settings)
    yield agent
    agent.close()


def _image(sandbox: Any, namespace: str, name: str) -> str:
    return str(sandbox.apps().read_namespaced_deployment(name, namespace).spec.template.spec.containers[0].image)


def _die_in(monkeypatch: pytest.MonkeyPatch, tool_name: str, *, after_the_change: bool) -> None:
    tool = REGISTRY.get(tool_name)
    assert tool is not None

    def handler(args: Any, ctx: Any) -> Any:
        if after_the_change:
            tool.handler(args, ctx)
        raise ProcessDied

    monkeypatch.setitem(REGISTRY._tools, tool_name, tool.__class__(**{**tool.__dict__, "handler": handler}))


def _crash_during_approve(agent: Agent, monkeypatch: pytest.MonkeyPatch, text: str, tool: str, landed: bool) -> str:
    result = agent.handle(AgentRequest(text=text, user="alice", thread_id="t1"))
    approval_id = result.approvals[0].id
    with monkeypatch.context() as patch:
        _die_in(patch, tool, after_the_change=landed)
        with pytest.raises(ProcessDied):
            agent.decide(approval_id, approve=True, by="bob")
    assert agent.approvals.get(approval_id).status == "executing"  # type: ignore[union-attr]
    return approval_id


def test_a_change_that_landed_before_the_crash_is_audited_on_the_next_start(
    agent: Agent, cluster_settings: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval_id = _crash_during_approve(agent, monkeypatch, "deploy checkout 1.9.0 in staging", "k8s_deploy", True)
    assert _image(sandbox, "staging", "checkout").endswith(":1.9.0")
    events = [(e.event, e.data.get("approval")) for e in agent.audit.entries()]
    assert ("executing", approval_id) in events and ("executed", approval_id) not in events
    agent.close()

    restarted = Agent(cluster_settings)
    assert [(f.approval_id, f.found) for f in restarted.reconciled] == [(approval_id, "landed")]
    assert restarted.approvals.get(approval_id).status == "executed"  # type: ignore[union-attr]
    found = [e for e in restarted.audit.entries() if e.event == "reconciled"]
    assert found[0].data["approval"] == approval_id and found[0].data["found"] == "landed"
    assert restarted.audit.verify().ok
    assert Agent(cluster_settings).reconciled == []  # settled once
    restarted.close()


def test_a_restart_that_landed_is_found_by_its_stamp(
    agent: Agent, cluster_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval_id = _crash_during_approve(agent, monkeypatch, "restart cart in staging", "k8s_restart", True)
    agent.close()
    restarted = Agent(cluster_settings)
    assert [(f.approval_id, f.found) for f in restarted.reconciled] == [(approval_id, "landed")]
    restarted.close()


@pytest.mark.parametrize(
    ("text", "tool"), [("deploy checkout 1.9.0 in staging", "k8s_deploy"), ("restart cart in staging", "k8s_restart")]
)
def test_a_consumed_approval_that_never_ran_is_listed_and_retried_once(
    agent: Agent, cluster_settings: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch, text: str, tool: str
) -> None:
    approval_id = _crash_during_approve(agent, monkeypatch, text, tool, False)
    assert not _image(sandbox, "staging", "checkout").endswith(":1.9.0")
    agent.close()

    restarted = Agent(cluster_settings)
    assert [(f.approval_id, f.found) for f in restarted.reconciled] == [(approval_id, "not_run")]
    listed = {p.id: p for p in restarted.pending_approvals()}
    assert listed[approval_id].status == "interrupted"
    assert f"retry it once with `opsgraph approve {approval_id}`" in (listed[approval_id].note or "")

    retried = restarted.decide(approval_id, approve=True, by="bob")
    assert retried.status == "done", retried.reply
    if tool == "k8s_deploy":
        assert _image(sandbox, "staging", "checkout").endswith(":1.9.0")
    again = restarted.decide(approval_id, approve=True, by="bob")
    assert again.status in ("refused", "error") and "done" not in again.status
    executed = [e for e in restarted.audit.entries() if e.event == "executed"]
    assert [e.data["approval"] for e in executed] == [approval_id]
    assert restarted.pending_approvals() == []
    restarted.close()


def test_an_interrupted_approval_that_was_not_retried_expires_and_says_so(
    agent: Agent, cluster_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval_id = _crash_during_approve(agent, monkeypatch, "deploy checkout 1.9.0 in staging", "k8s_deploy", False)
    agent.close()
    restarted = Agent(cluster_settings)
    monkeypatch.setattr("time.time", lambda: 10**10)  # long after the TTL
    listed = {p.id: p for p in restarted.pending_approvals()}
    assert listed == {} or listed[approval_id].status == "expired"
    assert restarted.approvals.get(approval_id).status == "expired"  # type: ignore[union-attr]
    restarted.close()


def test_a_running_execution_is_not_reconciled_by_another_process(
    agent: Agent, cluster_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsgraph.agent.writeahead import ExecutionLock, lock_dir

    approval_id = _crash_during_approve(agent, monkeypatch, "deploy checkout 1.9.0 in staging", "k8s_deploy", False)
    held = ExecutionLock(lock_dir(cluster_settings.state_dir), approval_id)
    assert held.acquire(wait=False)  # as the live executor would hold it
    other = Agent(cluster_settings)
    assert other.reconciled == [] and other.approvals.get(approval_id).status == "executing"  # type: ignore[union-attr]
    other.close()
    held.release()
