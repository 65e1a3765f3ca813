"""Remediation policies on the sandbox: a triggered policy diagnoses by running the investigate
playbook through the agent loop, proposes the first action whose conditions hold (the playbook's
own fix, or a declared call) through the approval flow, runs it alone only when it opted in and
every gate passes, and records whether it worked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.service import Agent, PendingApproval, TurnResult
from opsgraph.channels.slack.remediation.engine import Remediation
from opsgraph.channels.slack.remediation.model import load_policies
from opsgraph.sandbox.faults import Fault
from opsgraph.tools.alerts.pipeline import AlertPipeline
from tests.slack.conftest import write
from tests.slack.test_slack_incidents import crashloop, webhook

POLICIES = """version: 1
policies:
  - name: crashloop-restart
    trigger: {alerts: ["KubePodCrashLooping"], cause_kind: [service, pod]}
    diagnosis: {playbook: investigate}
    actions:
      - fix: playbook
        when: [{fact: fix, eq: k8s_rollback}]
      - call: {tool: k8s_restart, args: {name: "{service}", namespace: "{namespace}"}}
        when:
          - {fact: restarts, RESTARTS}
          - {fact: diagnosis, contains: "ready"}
        auto: AUTO
    success: {check: alert_resolved, window_s: 300}
    rate_limit: {count: RATE, per_seconds: 3600}
"""


class Thread:
    def __init__(self) -> None:
        self.posts: list[tuple[str, TurnResult]] = []

    def post(self, thread: str, result: TurnResult) -> None:
        self.posts.append((thread, result))

    def text(self) -> str:
        return "\n".join(r.reply for _, r in self.posts)


@pytest.fixture
def make(team_settings: Any, tmp_path: Path) -> Iterator[Any]:
    made: list[Any] = []

    def build(restarts: str = "gte: 0", auto: bool = False, rate: int = 1) -> tuple[Remediation, AlertPipeline, Thread]:
        text = POLICIES.replace("RESTARTS", restarts).replace("AUTO", str(auto).lower()).replace("RATE", str(rate))
        policies = load_policies(write(tmp_path / "remediation.yaml", text))
        agent = Agent(team_settings)
        team_settings.ensure_state_dir()
        pipeline = AlertPipeline.open(team_settings.alerts_db)
        agent.context.tools.extras["alert_pipeline"] = pipeline
        thread = Thread()
        engine = Remediation(policies, agent, tmp_path / "remediation.sqlite", notifier=thread, pipeline=pipeline)
        made.append((engine, agent, pipeline))
        return engine, pipeline, thread

    yield build
    for engine, agent, pipeline in made:
        engine.close()
        agent.close()
        pipeline.close()


def incident(pipeline: AlertPipeline, namespace: str, service: str = "checkout", hours_ago: int = 0) -> Any:
    doc = webhook(*(crashloop(i, namespace, service, hours_ago=hours_ago) for i in range(3)))
    pipeline.receive(doc, json.dumps(doc))
    return next(s for s in pipeline.snapshots() if any(service in e for e in s.blast_radius))


def restarted(sandbox: Any, name: str, namespace: str) -> bool:
    meta = sandbox.apps().read_namespaced_deployment(name, namespace).spec.template.metadata
    return "kubectl.kubernetes.io/restartedAt" in (meta.annotations or {})


def test_a_policy_diagnoses_with_the_playbook_then_proposes_and_waits_for_a_person(make: Any, sandbox: Any) -> None:
    engine, pipeline, thread = make()
    snap = incident(pipeline, "prod")
    diagnosis, proposal = engine.consider(snap)
    # The diagnosis is the investigate playbook, run as a structured request: status first.
    assert diagnosis.intent == "investigate" and diagnosis.answer is not None
    assert [(r["tool"], r["args"]) for r in diagnosis.results] == [
        ("k8s_status", {"namespace": "prod", "name": "checkout"})
    ]
    assert "prod/checkout looks healthy" in diagnosis.answer["diagnosis"]
    plans = engine.agent.audit.entries(event="plan")
    assert [e.data["brain"] for e in plans][:1] == ["playbook"]  # no brain read any words
    assert proposal.status == "needs_approval"
    (approval,) = proposal.approvals
    assert approval.tool == "k8s_restart" and approval.args == {"name": "checkout", "namespace": "prod"}
    assert approval.requester == "remediation:crashloop-restart"
    assert "proposes `Restart prod/checkout` because restarts=0.0 (gte 0.0) ✓" in thread.text()
    assert "looks healthy" in thread.text()  # the findings are in the thread
    assert not restarted(sandbox, "checkout", "prod")
    assert engine.consider(snap) == []  # once per incident
    assert engine.track_record_for(approval.id) == "policy crashloop-restart: no track record yet"


def test_a_bad_rollout_is_found_by_the_playbook_and_its_rollback_proposed(make: Any, sandbox: Any) -> None:
    sandbox.server.inject(Fault("crashloop", "prod/checkout", {"rollout": True, "reason": "connection-refused"}))
    assert sandbox.server.wait_manifested(15)
    engine, pipeline, thread = make()
    (turn,) = engine.consider(incident(pipeline, "prod"))
    # The playbook read the status, then the crashed container's logs, and concluded.
    assert [r["tool"] for r in turn.results][:2] == ["k8s_status", "k8s_logs"]
    assert [c["name"] for c in turn.tool_calls] == ["k8s_rollback"]
    assert "fails since its rollout" in turn.answer["diagnosis"]
    assert any(e["step"].startswith("k8s_logs") for e in turn.answer["evidence"])
    (approval,) = turn.approvals
    assert approval.tool == "k8s_rollback" and approval.args == {"namespace": "prod", "name": "checkout"}
    assert "proposes `Roll back prod/checkout` because fix=k8s_rollback (eq k8s_rollback) ✓" in thread.text()
    posted = [r for _, r in thread.posts if r.approvals]
    assert posted and posted[-1].answer is not None  # findings and the approval card in one post


def test_when_no_condition_holds_nothing_is_proposed_and_the_thread_says_why(make: Any) -> None:
    engine, pipeline, thread = make(restarts="gt: 3")
    turns = engine.consider(incident(pipeline, "prod"))
    assert all(not t.approvals for t in turns)
    assert "no action's conditions held (the playbook proposed no fix; restarts=0.0 (gt 3.0) ✗" in thread.text()


def test_auto_never_runs_where_the_action_policy_protects(make: Any, sandbox: Any) -> None:
    engine, pipeline, thread = make(auto=True)
    turns = engine.consider(incident(pipeline, "prod"))
    assert turns[-1].status == "needs_approval"
    assert "not run on its own (the action policy protects it (needs approval by oncall" in thread.text()
    assert not restarted(sandbox, "checkout", "prod")


def test_auto_runs_in_staging_audited_as_the_policy_then_the_rate_limit_stops_it(make: Any, sandbox: Any) -> None:
    engine, pipeline, thread = make(auto=True)
    done = engine.consider(incident(pipeline, "staging", "cart", hours_ago=6))[-1]
    assert done.status == "done" and restarted(sandbox, "cart", "staging")
    approved = [e for e in engine.agent.audit.entries(event="approved") if e.actor.startswith("remediation:")]
    assert [e.actor for e in approved] == ["remediation:crashloop-restart"]
    assert "ran `Restart staging/cart` on its own" in thread.text()

    second = engine.consider(incident(pipeline, "staging", "catalog"))[-1]
    assert second.status == "needs_approval" and not restarted(sandbox, "catalog", "staging")
    assert "rate limit reached (1 per 3600s)" in thread.text()


def test_destructive_actions_never_run_alone(make: Any) -> None:
    engine, _, _ = make(auto=True)
    policy = engine.policies[0]
    approval = PendingApproval(id="apr-x", tool="gpu_rebalance_apply", args={}, diff="", reason="",
                               requester="remediation:crashloop-restart", expires_at=time.time() + 60)  # fmt: skip
    assert engine.auto_blocked(policy, approval) == "destructive actions never run on their own"


def test_feedback_records_whether_it_worked_and_the_track_record_shows_it(make: Any, sandbox: Any) -> None:
    engine, pipeline, thread = make(auto=True, rate=2)
    snap = incident(pipeline, "staging", "cart")
    done = engine.consider(snap)[-1]
    assert done.status == "done"
    (proposal,) = engine.outcomes.open()
    executed = engine.agent.approvals.get(proposal.approval_id).executed_at
    assert engine.check(now=executed + 10) == []  # the window has not passed
    assert engine.check(now=executed + 301) == [(proposal.approval_id, "failed")]  # still firing
    assert "`Restart staging/cart` failed (still 3 firing 300s after it ran)" in thread.text()
    assert engine.outcomes.track_record("crashloop-restart") == (0, 1)

    # Another incident, fixed this time: its alerts resolve within the window.
    snap2 = incident(pipeline, "staging", "payments", hours_ago=10)
    turn = engine.consider(snap2)[-1]
    assert turn.status == "done"
    ended = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    alerts = [crashloop(i, "staging", "payments", hours_ago=10) for i in range(3)]
    resolved = webhook(*[a | {"status": "resolved", "endsAt": ended} for a in alerts])
    pipeline.receive(resolved, json.dumps(resolved))
    (p2,) = engine.outcomes.open()
    at = engine.agent.approvals.get(p2.approval_id).executed_at
    assert engine.check(now=at + 301) == [(p2.approval_id, "worked")]
    assert engine.outcomes.track_record("crashloop-restart") == (1, 2)
    assert engine.track_record_for(p2.approval_id) == "policy crashloop-restart: worked 1 of 2 times"
    outcomes = engine.agent.audit.entries(event="remediation_outcome")
    assert [e.data["outcome"] for e in outcomes] == ["failed", "worked"]
