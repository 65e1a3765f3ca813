"""Someone with write access to the state database edits an approval or the audit log: it shows.

An approval row is sealed (HMAC with a key beside the database): edited args, diff, expiry,
requester or status are refused before anything runs, and the listing says so. The audit log's
head (`opsgraph audit head`) recorded elsewhere catches a cut tail or a recomputed chain; a
missing or emptied log is an error, never "ok: 0 entries"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import GENESIS, AuditLog, _row_hash
from opsgraph.agent.service import Agent, AgentRequest
from opsgraph.channels.cli import app
from opsgraph.tools.errors import ApprovalInvalid
from opsgraph.tools.registry import action_hash

ARGS = {"name": "checkout", "namespace": "staging", "replicas": 4}
DIFF = "deployment staging/checkout\n  replicas: 2 -> 4"


def _sql(path: Path, statement: str, params: tuple[Any, ...] = ()) -> None:
    db = sqlite3.connect(path)
    db.execute(statement, params)
    db.commit()
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ApprovalStore]:
    store = ApprovalStore(tmp_path / "state.sqlite")
    yield store
    store.close()


def _create(store: ApprovalStore, ttl: float = 60) -> str:
    return store.create(
        thread_id="t1", tool="k8s_scale", args=ARGS, diff=DIFF, action_hash=action_hash("k8s_scale", ARGS, DIFF),
        risk="write", requester="alice", reason="write", ttl_s=ttl,
    ).id  # fmt: skip


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("args", '{"name": "checkout", "namespace": "staging", "replicas": 40}'),
        ("diff", "deployment staging/checkout\n  replicas: 2 -> 3"),
        ("requester", "bob"),
        ("expires_at", 9e12),
        ("action_hash", "0" * 64),
    ],
)
def test_an_edited_approval_row_cannot_be_decided_or_run(store: ApprovalStore, column: str, value: Any) -> None:
    approval_id = _create(store)
    _sql(store.path, f"UPDATE approvals SET {column} = ? WHERE id = ?", (value, approval_id))
    edited = store.get(approval_id)
    assert edited is not None and edited.tampered
    with pytest.raises(ApprovalInvalid, match="altered in the state database"):
        store.decide(approval_id, approve=True, by="bob")


def test_an_approval_edited_after_it_was_approved_does_not_run(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, approve=True, by="bob")
    _sql(
        store.path,
        "UPDATE approvals SET args = ? WHERE id = ?",
        ('{"name":"checkout","namespace":"staging","replicas":40}', approval_id),
    )
    with pytest.raises(ApprovalInvalid, match="altered"):
        store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


def test_a_status_set_to_approved_in_the_database_is_refused(store: ApprovalStore) -> None:
    approval_id = _create(store)
    _sql(store.path, "UPDATE approvals SET status = 'approved', decided_by = 'bob' WHERE id = ?", (approval_id,))
    with pytest.raises(ApprovalInvalid, match="altered"):
        store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


def test_an_expired_approval_is_not_revived_by_editing_its_expiry(store: ApprovalStore) -> None:
    import time

    approval_id = _create(store, ttl=0.01)
    time.sleep(0.05)
    store.expire_stale()
    _sql(
        store.path,
        "UPDATE approvals SET expires_at = ?, status = 'pending' WHERE id = ?",
        (time.time() + 600, approval_id),
    )
    with pytest.raises(ApprovalInvalid):
        store.decide(approval_id, approve=True, by="bob")


def test_an_untouched_approval_still_works(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, approve=True, by="bob")
    store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")
    assert store.get(approval_id).status == "executed"  # type: ignore[union-attr]


def test_the_agent_lists_a_tampered_approval_and_runs_nothing(cluster_settings: Any, sandbox: Any) -> None:
    agent = Agent(cluster_settings)
    asked = agent.handle(AgentRequest(text="scale checkout in staging to 4", user="alice"))
    approval_id = asked.approvals[0].id
    _sql(cluster_settings.state_db, "UPDATE approvals SET args = ? WHERE id = ?",
         ('{"name": "checkout", "namespace": "staging", "replicas": 40}', approval_id))  # fmt: skip
    listed = {p.id: p for p in agent.pending_approvals()}
    assert listed[approval_id].status == "tampered"
    outcome = agent.decide(approval_id, approve=True, by="bob")
    assert outcome.status != "done" and "altered" in outcome.reply
    assert sandbox.apps().read_namespaced_deployment("checkout", "staging").spec.replicas == 2
    agent.close()


# -- the audit log ---------------------------------------------------------------------------


def _log(path: Path, n: int = 4) -> AuditLog:
    log = AuditLog(path)
    for i in range(n):
        log.append("executed", actor="alice", subject=f"s{i}", data={"i": i})
    return log


def test_verify_of_a_missing_log_is_an_error_and_does_not_recreate_it(isolated_state: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code != 0 and "there is no audit log" in result.output
    assert not (isolated_state / "audit.sqlite").exists()


def test_verify_of_an_emptied_log_is_an_error(isolated_state: Path) -> None:
    _log(isolated_state / "audit.sqlite").close()
    (isolated_state / "audit.sqlite").unlink()
    (isolated_state / "audit.sqlite.head").unlink()
    AuditLog(isolated_state / "audit.sqlite").close()  # an empty database in its place
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "empty" in result.output


def test_head_then_verify_against_it(isolated_state: Path) -> None:
    _log(isolated_state / "audit.sqlite").close()
    runner = CliRunner()
    head = runner.invoke(app, ["audit", "head"]).output.strip()
    assert head.startswith("4:")
    assert runner.invoke(app, ["audit", "verify", "--head", head]).exit_code == 0
    bad = runner.invoke(app, ["audit", "verify", "--head", "nonsense"])
    assert bad.exit_code == 2 and "ROWS:HASH" in bad.output


def test_a_recomputed_chain_fails_against_the_recorded_head(isolated_state: Path) -> None:
    """Rows rewritten and re-hashed from row 1 (and head file and counter forged to match)."""
    path = isolated_state / "audit.sqlite"
    _log(path).close()
    runner = CliRunner()
    head = runner.invoke(app, ["audit", "head"]).output.strip()
    db = sqlite3.connect(path)
    db.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
    prev = GENESIS
    for seq, ts, actor, event, thread, subject, _data in db.execute(
        "SELECT seq, ts, actor, event, thread_id, subject, data FROM audit ORDER BY seq"
    ).fetchall():
        data = '{"i":"forged"}'
        digest = _row_hash(prev, seq, ts, actor, event, thread, subject, data)
        db.execute("UPDATE audit SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?", (data, prev, digest, seq))
        prev = digest
    db.commit()
    db.close()
    (path.with_name("audit.sqlite.head")).write_text(f'{{"rows": 4, "hash": "{prev}"}}')
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0  # internally consistent
    result = runner.invoke(app, ["audit", "verify", "--head", head])
    assert result.exit_code == 1 and "chain was recomputed" in result.output


def test_a_cut_tail_with_forged_counters_fails_against_the_recorded_head(isolated_state: Path) -> None:
    path = isolated_state / "audit.sqlite"
    _log(path).close()
    runner = CliRunner()
    head = runner.invoke(app, ["audit", "head"]).output.strip()
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > 2; UPDATE sqlite_sequence SET seq = 2;"
    )
    last = db.execute("SELECT hash FROM audit WHERE seq = 2").fetchone()[0]
    db.close()
    (path.with_name("audit.sqlite.head")).write_text(f'{{"rows": 2, "hash": "{last}"}}')
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0  # the cut is invisible from inside
    result = runner.invoke(app, ["audit", "verify", "--head", head])
    assert result.exit_code == 1 and "truncated or rewritten" in result.output
