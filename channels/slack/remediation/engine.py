"""Run the remediation policies against an incident: diagnose (read-only requests in the
incident's remediation conversation), pick the first action whose conditions hold, and propose
it through the approval flow. A proposal runs on its own only when the policy says `auto: true`
and every gate passes: the action is not destructive, the action policy would let it run
without a named role (not a protected environment), and the policy's rate limit has room. Such
a run is approved as `remediation:<policy>` and audited like a person's approval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opsgraph.channels.slack.remediation.facts import (
    describe,
    diagnosis_facts,
    holds,
    placeholders,
    snapshot_facts,
    triggered,
)
from opsgraph.channels.slack.remediation.feedback import OutcomeStore, phrase_record
from opsgraph.channels.slack.remediation.model import Action, Policy, PolicyFile

log = logging.getLogger(__name__)

MetricReader = Callable[[str], float | None]


class Remediation:
    def __init__(
        self,
        policies: PolicyFile,
        agent: Any,
        db_path: Path,
        *,
        notifier: Any = None,
        pipeline: Any = None,
        metric: MetricReader | None = None,
    ) -> None:
        self.policies = policies.policies
        self.agent = agent
        self.notifier = notifier
        self.pipeline = pipeline
        self.metric = metric or _prometheus(agent.settings.prometheus_url)
        self.outcomes = OutcomeStore(db_path)

    # -- detect -> diagnose -> propose ---------------------------------------------------------
    def consider(self, snapshot: Any) -> list[Any]:
        """Every policy the incident triggers, once per (policy, incident); returns the turns."""
        facts = snapshot_facts(snapshot)
        turns: list[Any] = []
        for policy in self.policies:
            if triggered(policy.trigger, facts) and self.outcomes.first_time(policy.name, snapshot.id):
                turns += self._run(policy, snapshot, facts)
        return turns

    def _run(self, policy: Policy, snapshot: Any, facts: dict[str, Any]) -> list[Any]:
        values = placeholders(snapshot)
        thread = f"incident-{snapshot.id}/{policy.name}"
        who = f"remediation:{policy.name}"
        try:
            steps = [step.format(**values) for step in policy.diagnosis]
            requests = [a.request.format(**values) for a in policy.actions]
        except (KeyError, ValueError):
            return [self._note(thread, f"policy {policy.name}: the incident lacks a detail its requests need")]
        if any(v is None and "{" + k + "}" in " ".join(policy.diagnosis + [a.request for a in policy.actions])
               for k, v in values.items()):  # fmt: skip
            missing = [k for k, v in values.items() if v is None]
            return [self._note(thread, f"policy {policy.name}: not run, the incident has no {', '.join(missing)}")]
        diagnosis = [self._ask(text, who, thread) for text in steps]
        for turn in diagnosis:  # a diagnosis only reads; anything else is refused here
            for approval in turn.approvals:
                self.agent.decide(approval.id, approve=False, by=who)
                log.error("policy %s: diagnosis step proposed %s; denied", policy.name, approval.tool)
        facts = {**facts, **diagnosis_facts(diagnosis)}
        for action, request in zip(policy.actions, requests, strict=True):
            if all(holds(c, facts) for c in action.when):
                return [*diagnosis, self._propose(policy, action, request, snapshot, thread, who, facts)]
        tried = "; ".join(describe(a.when, facts) for a in policy.actions)
        return [*diagnosis, self._note(thread, f"policy {policy.name}: no action's conditions held ({tried})")]

    def _propose(
        self, policy: Policy, action: Action, request: str, snapshot: Any, thread: str, who: str, facts: dict[str, Any]
    ) -> Any:
        auto = action.auto
        turn = self._ask(request, who, thread)
        for approval in turn.approvals:
            self.outcomes.propose(approval.id, policy.name, snapshot.id, request, auto)
        why = describe(action.when, facts)
        if auto and turn.approvals:
            blocked = self.auto_blocked(policy, turn.approvals[0])
            if blocked is None:
                done = self.agent.decide(turn.approvals[0].id, approve=True, by=who)
                self._mark_executed(turn.approvals[0].id)
                self._note(thread, f"policy {policy.name} ran `{request}` on its own ({why})")
                self._post(thread, done)
                return done
            self._note(thread, f"policy {policy.name}: not run on its own ({blocked}); it waits for a person")
        self._note(thread, f"policy {policy.name} proposes `{request}` because {why}")
        self._post(thread, turn)
        return turn

    def auto_blocked(self, policy: Policy, approval: Any) -> str | None:
        """Why this proposal may not run on its own, or None."""
        from opsgraph.agent.policy import ActionRequest

        tool = self.agent.context.registry.get(approval.tool)
        risk = tool.risk if tool else "destructive"
        if risk == "destructive":
            return "destructive actions never run on their own"
        decision = self.agent.context.policy.decide(
            ActionRequest(approval.tool, risk, approval.args, approval.requester, "alerts", "human")
        )
        if decision.effect == "deny" or (decision.effect == "approve" and "any" not in decision.approvers):
            return f"the action policy protects it ({decision.reason})"
        since = time.time() - policy.rate_limit.per_seconds
        if self.outcomes.auto_runs(policy.name, since) >= policy.rate_limit.count:
            return f"rate limit reached ({policy.rate_limit.count} per {policy.rate_limit.per_seconds}s)"
        return None

    # -- feedback ------------------------------------------------------------------------------
    def check(self, now: float | None = None) -> list[tuple[str, str]]:
        """Settle proposals whose window has passed; returns (approval id, outcome) settled now."""
        now = now or time.time()
        settled = []
        for p in self.outcomes.open():
            approval = self.agent.approvals.get(p.approval_id)
            if approval is None:
                continue
            if approval.status in ("denied", "expired") or (approval.status == "pending" and approval.expired(now)):
                self.outcomes.settle(p.approval_id, "not_run", f"{approval.status}")
                settled.append((p.approval_id, "not_run"))
                continue
            if approval.status != "executed" or approval.executed_at is None:
                continue
            self.outcomes.executed(p.approval_id, approval.executed_at)
            policy = next((x for x in self.policies if x.name == p.policy), None)
            if policy is None or now < approval.executed_at + policy.success.window_s:
                continue
            worked, detail = self._succeeded(policy, p.incident)
            if worked is None:
                continue
            outcome = "worked" if worked else "failed"
            self.outcomes.settle(p.approval_id, outcome, detail)
            self.agent.audit.append(
                "remediation_outcome",
                actor=f"remediation:{p.policy}",
                thread_id=f"incident-{p.incident}/{p.policy}",
                subject=p.approval_id,
                data={"policy": p.policy, "request": p.request, "outcome": outcome, "detail": detail},
            )
            record = phrase_record(*self.outcomes.track_record(p.policy))
            self._note(
                f"incident-{p.incident}/{p.policy}",
                f"policy {p.policy}: `{p.request}` {outcome} ({detail}); it has {record}",
            )
            settled.append((p.approval_id, outcome))
        return settled

    def _succeeded(self, policy: Policy, incident: str) -> tuple[bool | None, str]:
        window = f"within {policy.success.window_s}s"
        if policy.success.check == "alert_resolved":
            if self.pipeline is None:
                return None, "no alert pipeline to ask"
            snap = next((s for s in self.pipeline.snapshots() if s.id == incident), None)
            if snap is None:
                return None, "incident unknown"
            resolved = snap.firing == 0
            if resolved:
                return True, f"alerts resolved {window}"
            return False, f"still {snap.firing} firing {policy.success.window_s}s after it ran"
        value = self.metric(policy.success.query or "")
        if value is None:
            return None, "metric unavailable"
        below = value < (policy.success.threshold or 0.0)
        return (
            below,
            f"{policy.success.query} = {value:g} ({'below' if below else 'not below'} {policy.success.threshold:g})",
        )

    def track_record_for(self, approval_id: str) -> str | None:
        p = self.outcomes.get(approval_id)
        if p is None:
            return None
        return f"policy {p.policy}: {phrase_record(*self.outcomes.track_record(p.policy))}"

    def start_checking(self, every_s: float = 30.0) -> threading.Event:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.check()
                except Exception:
                    log.exception("remediation feedback check failed")

        threading.Thread(target=loop, name="remediation-feedback", daemon=True).start()
        return stop

    def close(self) -> None:
        self.outcomes.close()

    # -- helpers -------------------------------------------------------------------------------
    def _mark_executed(self, approval_id: str) -> None:
        approval = self.agent.approvals.get(approval_id)
        if approval is not None and approval.executed_at is not None:
            self.outcomes.executed(approval_id, approval.executed_at)

    def _ask(self, text: str, who: str, thread: str) -> Any:
        from opsgraph.agent.service import AgentRequest

        return self.agent.handle(AgentRequest(text=text, user=who, channel="alerts", thread_id=thread, source="alert"))

    def _note(self, thread: str, text: str) -> Any:
        from opsgraph.agent.service import TurnResult

        note = TurnResult(thread_id=thread, status="done", reply=text)
        self._post(thread, note)
        return note

    def _post(self, thread: str, turn: Any) -> None:
        if self.notifier is not None:
            self.notifier.post(thread, turn)


def _prometheus(url: str | None) -> MetricReader:
    def read(query: str) -> float | None:
        if not url:
            return None
        import httpx

        try:
            response = httpx.get(f"{url.rstrip('/')}/api/v1/query", params={"query": query}, timeout=5)
            result = response.json()["data"]["result"]
            return float(result[0]["value"][1]) if result else None
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            return None

    return read
