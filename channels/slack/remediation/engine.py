"""Run the remediation policies: when an incident (or, for a metric trigger, a new anomaly the
detector finds) triggers a policy, diagnose by running its playbook through the agent loop as a
structured request (`investigate` on the incident's workload), pick the first action whose
conditions hold over the findings (the playbook's own fix, or a declared call), and propose it
through the approval flow. A proposal runs on its own only when the policy says `auto: true` and
every gate passes: the action is not destructive, the action policy would let it run without a
named role (not a protected environment), and the policy's rate limit has room. Such a run is
approved as `remediation:<policy>` and audited like a person's approval."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opsgraph.channels.slack.remediation.facts import (
    anomaly_facts,
    answer_facts,
    describe,
    diagnosis_facts,
    holds,
    placeholders,
    snapshot_facts,
    triggered,
)
from opsgraph.channels.slack.remediation.feedback import OutcomeStore, phrase_record
from opsgraph.channels.slack.remediation.model import Action, AnomalyTrigger, Policy, PolicyFile
from opsgraph.core.db import Target

log = logging.getLogger(__name__)

MetricReader = Callable[[str], float | None]
ANOMALY = "anomaly-"  # subjects started by a metric anomaly, not an incident


@dataclass(frozen=True)
class Subject:
    """What a policy runs on: an incident, or an anomaly in a watched metric."""

    key: str  # the incident id, or anomaly-<policy>-<hash>
    values: dict[str, str | None]  # {service} {namespace} {entity} {incident}
    facts: dict[str, Any] = field(default_factory=dict)


def thread_of(key: str, policy: str) -> str:
    return f"{key}/{policy}" if key.startswith(ANOMALY) else f"incident-{key}/{policy}"


class Remediation:
    def __init__(
        self,
        policies: PolicyFile,
        agent: Any,
        db_path: Target,
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
        self._watched: dict[tuple[str, str], float] = {}  # (policy, series) -> when it last started the policy

    # -- detect -> diagnose -> propose ---------------------------------------------------------
    def consider(self, snapshot: Any, now: float | None = None) -> list[Any]:
        """Every policy the incident triggers, once per (policy, incident); returns the turns."""
        facts = snapshot_facts(snapshot)
        turns: list[Any] = []
        for policy in self.policies:
            trigger = policy.trigger
            if trigger.metric_only or not triggered(trigger, facts):
                continue
            values = placeholders(snapshot)
            thread = thread_of(snapshot.id, policy.name)
            found: dict[str, Any] = {}
            if trigger.anomaly is not None:
                scan = self._scan(trigger.anomaly, values, now)
                if scan is None or scan.status != "ok":
                    continue  # not yet: the metric may show it on the next update of this incident
                found = anomaly_facts(scan.data or {}, trigger.anomaly.min_score)
                if not found.get("anomalous_series"):
                    continue
            if self.outcomes.first_time(policy.name, snapshot.id):
                if found:
                    self._post(thread, _turn(thread, "done", f"policy {policy.name}: the metric shows it", scan))
                turns += self._run(policy, Subject(snapshot.id, values, {**facts, **found}))
        return turns

    def watch(self, now: float | None = None) -> list[Any]:
        """One round of the metric triggers: scan each watched metric; a new anomalous period (not
        one this policy already answered) opens a thread and starts the policy."""
        turns: list[Any] = []
        at = time.time() if now is None else now
        for policy in self.policies:
            anomaly = policy.trigger.anomaly
            if not policy.trigger.metric_only or anomaly is None:
                continue
            scan = self._scan(anomaly, {}, now)
            if scan is None or scan.status != "ok":
                if scan is not None and scan.status == "error":
                    log.warning("policy %s: cannot scan its metric: %s", policy.name, scan.text)
                continue
            from opsgraph.tools.anomaly.promql import parse_duration

            quiet = parse_duration(anomaly.window)
            for series in (scan.data or {}).get("series", []):
                periods = [p for p in series.get("periods", []) if p["peak_score"] >= anomaly.min_score]
                if not periods:
                    continue
                name = str(series["series"])
                if at - self._watched.get((policy.name, name), -1e18) < quiet:
                    continue  # this series already started the policy within the window
                first = periods[0]
                digest = hashlib.sha256(f"{name}|{first['start']}".encode()).hexdigest()[:10]
                key = f"{ANOMALY}{policy.name}-{digest}"
                self._watched[(policy.name, name)] = at
                if not self.outcomes.first_time(policy.name, key):
                    continue
                labels = series.get("labels") or {}
                values = _anomaly_placeholders(anomaly, labels, name, key)
                facts = {
                    "severity": anomaly.severity,
                    "alerts": [],
                    "alert_count": 0,
                    "firing": 0,
                    "affected_services": [values["service"]] if values["service"] else [],
                    "cause_kind": None,
                    "cause_entity": name,
                    **anomaly_facts({"series": [series]}, anomaly.min_score),
                }
                thread = thread_of(key, policy.name)
                text = (
                    f"anomaly in `{name}` (peak score {first['peak_score']:.2f} at {first['peak']}, value "
                    f"{first['peak_value']:g}): policy {policy.name} is looking into it"
                )
                opened = getattr(self.notifier, "open", None)
                if callable(opened):
                    opened(thread, text, anomaly.severity, values["service"], values["namespace"])
                self._post(thread, _turn(thread, "done", text, scan))
                turns += self._run(policy, Subject(key, values, facts))
        return turns

    def _run(self, policy: Policy, subject: Subject) -> list[Any]:
        thread = thread_of(subject.key, policy.name)
        who = f"remediation:{policy.name}"
        namespace, service = subject.values.get("namespace"), subject.values.get("service")
        if not namespace or not service:
            missing = [k for k, v in (("namespace", namespace), ("service", service)) if not v]
            return [self._note(thread, f"policy {policy.name}: not run, it has no {' or '.join(missing)} to look at")]
        diagnosis = self._investigate(policy, namespace, service, who, thread)
        facts = {**subject.facts, **diagnosis_facts([diagnosis]), **answer_facts(diagnosis.answer)}
        chosen = next(
            (a for a in policy.actions if _applies(a, diagnosis) and all(holds(c, facts) for c in a.when)), None
        )
        if chosen is not None and chosen.fix is not None:
            return [self._propose(policy, chosen, diagnosis, subject, thread, who, facts)]
        for approval in diagnosis.approvals:  # the playbook's fix is not what the policy chose
            self.agent.decide(approval.id, approve=False, by=who)
        self._post(thread, _findings(diagnosis))
        if chosen is None:
            tried = "; ".join(_describe(a, diagnosis, facts) for a in policy.actions)
            return [diagnosis, self._note(thread, f"policy {policy.name}: no action's conditions held ({tried})")]
        assert chosen.call is not None
        from opsgraph.agent.service import AgentRequest, ProposedCall

        args = {k: v.format(**subject.values) if isinstance(v, str) else v for k, v in chosen.call.args.items()}
        call = ProposedCall(tool=chosen.call.tool, args=args)
        turn = self.agent.handle(
            AgentRequest(text=_label(call), user=who, channel="alerts", thread_id=thread, source="alert", proposal=call)
        )
        return [diagnosis, self._propose(policy, chosen, turn, subject, thread, who, facts)]

    def _investigate(self, policy: Policy, namespace: str, service: str, who: str, thread: str) -> Any:
        from opsgraph.agent.service import AgentRequest, PlaybookRequest

        playbook = PlaybookRequest(intent=policy.diagnosis.playbook, namespace=namespace, name=service)
        text = f"{policy.diagnosis.playbook} {namespace}/{service}"
        request = AgentRequest(
            text=text, user=who, channel="alerts", thread_id=thread, source="alert", playbook=playbook
        )
        return self.agent.handle(request)

    def _propose(
        self, policy: Policy, action: Action, turn: Any, subject: Subject, thread: str, who: str, facts: dict[str, Any]
    ) -> Any:
        label = "; ".join(_label(a) for a in turn.approvals) or (_label(action.call) if action.call else "the fix")
        for approval in turn.approvals:
            self.outcomes.propose(approval.id, policy.name, subject.key, label, action.auto)
        why = describe(action.when, facts)
        if action.auto and turn.approvals:
            blocked = self.auto_blocked(policy, turn.approvals[0])
            if blocked is None:
                done = self.agent.decide(turn.approvals[0].id, approve=True, by=who)
                self._mark_executed(turn.approvals[0].id)
                self._note(thread, f"policy {policy.name} ran `{label}` on its own ({why})")
                self._post(thread, done)
                return done
            self._note(thread, f"policy {policy.name}: not run on its own ({blocked}); it waits for a person")
        if turn.approvals:
            self._note(thread, f"policy {policy.name} proposes `{label}` because {why}")
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
                thread_id=thread_of(p.incident, p.policy),
                subject=p.approval_id,
                data={"policy": p.policy, "request": p.request, "outcome": outcome, "detail": detail},
            )
            record = phrase_record(*self.outcomes.track_record(p.policy))
            self._note(
                thread_of(p.incident, p.policy),
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

    @property
    def watched(self) -> list[Policy]:
        """Policies started by a metric anomaly alone (`watch` scans them)."""
        return [p for p in self.policies if p.trigger.metric_only]

    def start_watching(self, every_s: float = 60.0) -> threading.Event:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.watch()
                except Exception:
                    log.exception("remediation anomaly watch failed")

        threading.Thread(target=loop, name="remediation-watch", daemon=True).start()
        return stop

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

    def _scan(self, anomaly: AnomalyTrigger, values: dict[str, str | None], now: float | None) -> Any:
        """`anomaly_scan` for the trigger's metric (a read: straight through the registry)."""
        filled = anomaly.filled(values)
        args: dict[str, Any] = {"window": anomaly.window, "baseline": anomaly.baseline}
        if "query" in filled:
            args["query"] = filled["query"]
        else:
            args |= {"name": filled["name"], "signal": anomaly.signal}
            if filled.get("namespace"):
                args["namespace"] = filled["namespace"]
        if anomaly.step:
            args["step"] = anomaly.step
        if now is not None:
            args["end"] = datetime.fromtimestamp(now, UTC).isoformat()
        ctx = self.agent.context
        return ctx.registry.call("anomaly_scan", args, ctx.tools.with_actor("remediation"))

    def _note(self, thread: str, text: str) -> Any:
        from opsgraph.agent.service import TurnResult

        note = TurnResult(thread_id=thread, status="done", reply=text)
        self._post(thread, note)
        return note

    def _post(self, thread: str, turn: Any) -> None:
        if self.notifier is not None:
            self.notifier.post(thread, turn)


def _applies(action: Action, diagnosis: Any) -> bool:
    """`fix: playbook` applies only when the playbook proposed a fix (it waits in `approvals`)."""
    return action.fix is None or bool(diagnosis.approvals)


def _describe(action: Action, diagnosis: Any, facts: dict[str, Any]) -> str:
    if not _applies(action, diagnosis):
        return "the playbook proposed no fix"
    return describe(action.when, facts)


def _label(call: Any) -> str:
    from opsgraph.agent.responder import describe as describe_call
    from opsgraph.agent.service import ProposedCall

    return describe_call(ProposedCall(tool=call.tool, args=dict(call.args)))


def _findings(turn: Any) -> Any:
    """The diagnosis without approval buttons (its fix was not chosen, or already denied)."""
    return turn.model_copy(update={"approvals": [], "status": "done" if turn.answer else turn.status})


def _turn(thread: str, status: str, reply: str, result: Any = None) -> Any:
    from opsgraph.agent.service import TurnResult

    results = [result.model_dump()] if result is not None else []
    return TurnResult(thread_id=thread, status=status, reply=reply, results=results)


def _anomaly_placeholders(anomaly: AnomalyTrigger, labels: dict[str, str], series: str, key: str) -> dict[str, Any]:
    """{service} {namespace} for a watched metric: the trigger's workload, else the series' labels."""
    service = anomaly.name or labels.get("service") or labels.get("deployment") or labels.get("app")
    if service is None and labels.get("pod"):
        service = _workload_of(labels["pod"])
    return {"service": service, "namespace": anomaly.namespace or labels.get("namespace"), "entity": series,
            "incident": key}  # fmt: skip


def _workload_of(pod: str) -> str:
    """checkout-7d9f8b6c5d-x2k4p -> checkout (a Deployment's pod: name, ReplicaSet hash, suffix)."""
    parts = pod.split("-")
    return "-".join(parts[:-2]) if len(parts) >= 3 else pod


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
