"""Every stateful store behaves the same on SQLite and on PostgreSQL: approvals (sealed, consumed
once), the audit chain (append-only, truncation caught), alerts (ids, latest state, incidents),
incident posts, remediation outcomes, the Slack outbox and the policy's write counter."""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import AuditLog
from opsgraph.core.db import StateConfigError, open_database
from opsgraph.tools.errors import ApprovalInvalid
from tests.storage.conftest import Targets

KEY = secrets.token_bytes(32)


def _approvals(target: Targets) -> ApprovalStore:
    where = target("state")
    return ApprovalStore(where, key=None if not isinstance(where, str) else KEY)


def _pending(store: ApprovalStore, **extra: Any) -> Any:
    fields = dict(thread_id="t1", tool="k8s_scale", args={"name": "cart", "namespace": "staging", "replicas": 4},
                  diff="replicas: 3 -> 4", action_hash="h1", risk="write", requester="alice", reason="write",
                  ttl_s=900)  # fmt: skip
    return store.create(**{**fields, **extra})


def _raw(target: Targets, name: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """An edit made around opsgraph (psql, sqlite3), not through it."""
    db = open_database(target(name))
    with db.transaction() as tx:
        tx.execute(sql, params)
    db.close()


# -- approvals -----------------------------------------------------------------------------------
def test_an_approval_is_approved_then_consumed_exactly_once(target: Targets) -> None:
    store = _approvals(target)
    approval = _pending(store)
    store.decide(approval.id, approve=True, by="bob")
    with pytest.raises(ApprovalInvalid, match="different action"):
        store.begin(approval.id, "another-hash")
    assert store.begin(approval.id, "h1").status == "executing"
    with pytest.raises(ApprovalInvalid, match="already used"):
        store.begin(approval.id, "h1")
    store.finish(approval.id, outcome="ok")
    again = ApprovalStore(target("state"), key=KEY if isinstance(target("state"), str) else None)
    assert again.get(approval.id).status == "executed"  # type: ignore[union-attr]
    assert [a.id for a in again.find(status="executed")] == [approval.id]
    again.close()
    store.close()


def test_an_edited_approval_fails_its_seal_on_either_backend(target: Targets) -> None:
    store = _approvals(target)
    approval = _pending(store)
    _raw(target, "state", "UPDATE approvals SET args = ? WHERE id = ?",
         (json.dumps({"name": "cart", "namespace": "staging", "replicas": 40}), approval.id))  # fmt: skip
    edited = store.get(approval.id)
    assert edited is not None and edited.tampered and "arguments" in edited.tampered
    with pytest.raises(ApprovalInvalid, match="altered"):
        store.decide(approval.id, approve=True, by="bob")
    store.close()


def test_times_keep_their_precision_so_seals_hold(target: Targets) -> None:
    """PostgreSQL's REAL is 4 bytes: a time stored there would come back rounded and every seal
    over it would fail. The store uses 8-byte floats."""
    store = _approvals(target)
    approval = _pending(store)
    assert store.get(approval.id).created_at == approval.created_at  # type: ignore[union-attr]
    assert not store.get(approval.id).tampered  # type: ignore[union-attr]
    store.close()


def test_approvals_on_postgresql_refuse_to_open_without_a_shared_key(pg_url: str) -> None:
    with pytest.raises(StateConfigError, match="OPSGRAPH_APPROVAL_KEY"):
        ApprovalStore(pg_url)


def test_a_row_sealed_with_another_key_is_refused(pg_url: str) -> None:
    first = ApprovalStore(pg_url, key=KEY)
    approval = _pending(first)
    other = ApprovalStore(pg_url, key=secrets.token_bytes(32))  # a replica with a different key
    assert other.get(approval.id).tampered  # type: ignore[union-attr]
    first.close()
    other.close()


# -- audit -----------------------------------------------------------------------------------------
def test_the_audit_chain_verifies_and_names_an_edited_row(target: Targets) -> None:
    log = AuditLog(target("audit"))
    for i in range(5):
        log.append("plan", actor="alice", thread_id="t", subject=f"s{i}", data={"i": i}, durable=i % 2 == 0)
    report = log.verify()
    assert report.ok and report.rows == 5
    assert log.head() == (5, report.head)
    # Edit around the triggers, as someone with the database's owner rights could.
    if isinstance(target("audit"), str):
        _raw(target, "audit", "ALTER TABLE audit DISABLE TRIGGER audit_no_change")
        _raw(target, "audit", "UPDATE audit SET data = '{}' WHERE seq = 3")
    else:
        _raw(target, "audit", "DROP TRIGGER audit_no_update")
        _raw(target, "audit", "UPDATE audit SET data = '{}' WHERE seq = 3")
    broken = log.verify()
    assert not broken.ok and broken.broken_at == 3 and "modified" in broken.reason
    log.close()


def test_the_audit_log_refuses_update_delete_on_either_backend(target: Targets) -> None:
    log = AuditLog(target("audit"))
    log.append("plan", actor="alice")
    for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
        with pytest.raises((sqlite3.IntegrityError, Exception), match="append-only"):
            _raw(target, "audit", sql)
    assert log.verify().ok
    log.close()


def test_postgresql_catches_rows_cut_from_the_end(pg_url: str) -> None:
    log = AuditLog(pg_url)
    for i in range(4):
        log.append("plan", actor="alice", data={"i": i})
    db = open_database(pg_url)
    with db.transaction() as tx:  # someone with owner rights cuts the last two rows
        tx.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_change")
        tx.execute("DELETE FROM audit WHERE seq > 2")
    with pytest.raises(Exception, match="only moves forward"), db.transaction() as tx:
        tx.execute("UPDATE audit_head SET rows = 2")  # and cannot rewind the head to hide it
    db.close()
    report = log.verify()
    assert not report.ok and "truncated" in report.reason and report.rows == 2
    log.close()


def test_an_empty_or_missing_postgresql_audit_log_is_an_error(pg_url: str) -> None:
    from opsgraph.agent.audit import AuditLogMissing

    with pytest.raises(AuditLogMissing, match="no audit log"):
        AuditLog(pg_url, must_exist=True)
    log = AuditLog(pg_url)
    assert not log.verify().ok and "empty" in log.verify().reason
    log.close()


# -- alerts ----------------------------------------------------------------------------------------
def test_alert_store_keeps_payloads_in_order_and_the_latest_state(target: Targets) -> None:
    from opsgraph.tools.alerts.payloads import parse_webhook
    from opsgraph.tools.alerts.store import AlertStore

    store = AlertStore(target("alerts"))

    def payload(status: str) -> tuple[str, Any]:
        body = {"version": "4", "status": status, "receiver": "opsgraph", "groupKey": "g", "alerts": [
            {"status": status, "labels": {"alertname": "HighLatency", "service": "cart", "namespace": "prod"},
             "annotations": {"summary": "p99 is high"}, "startsAt": "2024-05-01T10:00:00Z",
             "endsAt": "2024-05-01T10:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
             "fingerprint": "fp1"}]}  # fmt: skip
        return json.dumps(body), parse_webhook(body)[1]

    ids = store.append_many([payload("firing"), payload("firing")])
    ids += [store.append(*payload("resolved"))]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [p[0] for p in store.payloads()] == ids
    assert [p[0] for p in store.payloads(after=ids[0])] == ids[1:]
    assert store.payload_count() == 3
    assert store.alerts("firing") == []
    (resolved,) = store.alerts("resolved")
    assert resolved.fingerprint == "fp1" and resolved.labels["service"] == "cart"
    store.close()


TOKEN = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"  # a GitHub token's shape


def test_incident_snapshots_are_stored_redacted(target: Targets) -> None:
    """A secret in a label reaches the incident (an entity named by it): the stored snapshot has
    it redacted, while snapshots with nothing to redact are stored without the per-string walk."""
    from opsgraph.tools.alerts.pipeline import AlertPipeline
    from tests.support.alertmanager import webhook_payload

    pipeline = AlertPipeline.open(target("alerts"))
    if hasattr(pipeline, "try_lead"):  # PostgreSQL: the leader saves the snapshots
        assert pipeline.try_lead()
    for i, pod in enumerate([f"cart-{TOKEN}", "cart-7d9f"]):
        labels = {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "prod", "pod": pod}
        document = webhook_payload([{"labels": labels, "startsAt": f"2024-05-0{i + 1}T10:00:00Z"}])
        pipeline.receive(document, json.dumps(document))
    # In process the live incident names it (the shared stream correlates the redacted bodies).
    assert any(TOKEN in json.dumps(s.to_dict()) for s in pipeline.snapshots()) != hasattr(pipeline, "try_lead")
    stored = json.dumps(pipeline.store.incidents())
    assert TOKEN not in stored and "[REDACTED:" in stored and "cart-7d9f" in stored
    pipeline.close()


@pytest.mark.parametrize(
    "key", ["password", "DB_PASS", "passwd", "pwd", "passphrase", "api_key", "x-apikey", "client_secret",
            "aws.secret-key", "private_key", "id_token", "refresh-token", "AUTH_TOKEN", "secret"],
)  # fmt: skip
def test_the_whole_text_check_sees_every_sensitive_key(key: str) -> None:
    """The store checks a snapshot's JSON text once instead of redacting each string: that is
    only sound while every key the redactor blanks carries a marker the check looks for."""
    from opsgraph.guardrails.redaction import may_hold_secret, redact_data

    document = {"args": {key: "plain"}}
    assert redact_data(document) != document
    assert may_hold_secret(json.dumps(document))


# -- incident posts, outcomes, outbox, write counter -------------------------------------------------
class _Poster:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, method: str, **payload: Any) -> dict[str, Any]:
        self.calls.append((method, payload))
        return {"ok": True, "channel": payload.get("channel"), "ts": f"17000.{len(self.calls):04d}"}

    def read(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls.append((method, params))
        return {"ok": True, "messages": []}  # the channel holds no message of ours


def _snapshot(alerts: int = 2) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(id="inc-1", noise=False, severity="critical", status="firing", alert_count=alerts,
                           firing=alerts, actions=[], blast_radius=["cart"], opened_at=0.0, last_at=60.0)  # fmt: skip


def test_two_replicas_post_an_incident_once(target: Targets, monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.channels.slack import incidents as module
    from opsgraph.channels.slack.config import SlackConfig

    monkeypatch.setattr(module, "incident_blocks", lambda s: [])
    monkeypatch.setattr(module, "incident_text", lambda s: f"incident {s.id}")
    config = SlackConfig.model_validate({"version": 1, "incidents": {"default_channel": "C0INC"}})
    poster_a, poster_b = _Poster(), _Poster()
    a = module.SlackIncidents(poster_a, config, target("slack"), fallback_channel="C0INC")
    b = module.SlackIncidents(poster_b, config, target("slack"), fallback_channel="C0INC")
    if not isinstance(target("slack"), str):  # one SQLite file is one machine: one process
        b.close()
        b = a
    first = a(_snapshot(2))
    second = b(_snapshot(3))
    posts = [c for c in poster_a.calls + poster_b.calls if c[0] == "chat.postMessage" and "thread_ts" not in c[1]]
    assert first is not None and len(posts) == 1
    assert second is not None and second.ts == first.ts  # the other replica edits the same message
    assert b.posted("inc-1").alerts == 3  # type: ignore[union-attr]
    a.close()
    b.close()


def test_a_claim_whose_replica_died_is_taken_over(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.channels.slack import incidents as module
    from opsgraph.channels.slack.config import SlackConfig

    monkeypatch.setattr(module, "incident_blocks", lambda s: [])
    monkeypatch.setattr(module, "incident_text", lambda s: "incident")
    config = SlackConfig.model_validate({"version": 1, "incidents": {"default_channel": "C0INC"}})
    _raw(lambda _: pg_url, "slack", "SELECT 1")
    store = module.SlackIncidents(_Poster(), config, pg_url, fallback_channel="C0INC")
    with store.db.transaction() as tx:  # a replica claimed it, then died before posting
        tx.execute("INSERT INTO slack_incidents VALUES ('inc-1', 'C0INC', '', 2, 'firing', ?)", (0.0,))
    assert store(_snapshot()) is not None
    store.close()


def test_remediation_acts_once_per_incident_and_keeps_its_track_record(target: Targets) -> None:
    from opsgraph.channels.slack.remediation.feedback import OutcomeStore

    a, b = OutcomeStore(target("remediation")), OutcomeStore(target("remediation"))
    assert [a.first_time("restart", "inc-1"), b.first_time("restart", "inc-1")] == [True, False]
    a.propose("apr-1", "restart", "inc-1", "restart cart", auto=True)
    a.propose("apr-2", "restart", "inc-2", "restart cart", auto=False)
    b.executed("apr-1", 100.0)
    b.settle("apr-1", "worked", "error rate back to normal")
    b.settle("apr-2", "failed", "still failing")
    assert a.track_record("restart") == (1, 2)
    assert a.auto_runs("restart", since=50.0) == 1
    assert a.open() == []
    a.close()
    b.close()


def test_outbox_keeps_failed_posts_and_sends_them_once(target: Targets) -> None:
    from opsgraph.channels.slack.webapi import Poster

    class Flaky:
        def __init__(self) -> None:
            self.down, self.sent = True, []

        def api_call(self, method: str, json: dict[str, Any]) -> Any:
            if self.down:
                raise ConnectionError("Slack is down")
            self.sent.append((method, json))
            from types import SimpleNamespace

            return SimpleNamespace(data={"ok": True})

    client = Flaky()
    audited: list[str] = []
    a = Poster(client, target("outbox"), audit=lambda event, data: audited.append(event))
    b = Poster(client, target("outbox"))
    assert a.call("chat.postMessage", channel="C1", text="hello") is None
    assert a.pending() == 1 and audited == ["slack_post_failed"]
    client.down = False
    assert a.flush() + b.flush() == 1
    assert client.sent == [("chat.postMessage", {"channel": "C1", "text": "hello"})]
    assert b.pending() == 0
    a.close()
    b.close()


def test_write_limits_count_across_replicas(target: Targets) -> None:
    from opsgraph.guardrails.policy.engine import WriteCounter

    a, b = WriteCounter(target("state")), WriteCounter(target("state"))
    a.add("local:alice")
    b.add("local:alice")
    b.add("local:bob")
    assert a.count("local:alice", 60) == 2 and b.count("local:bob", 60) == 1


def test_token_usage_counts_across_replicas(target: Targets) -> None:
    from opsgraph.serving.accounting import TokenLedger, Usage

    a, b = TokenLedger(target("llm_usage")), TokenLedger(target("llm_usage"))
    a.record(Usage("alice", "qwen", "agent", 100, 20, 0.5, 0.001))
    b.record(Usage("alice", "qwen", "gateway", 50, 5, 0.2, 0.0005))
    assert a.tokens_since("alice", 0) == 175 == b.tokens_since("alice", 0)
    assert b.by_user()["alice"]["requests"] == 2
