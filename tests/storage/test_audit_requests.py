"""Audit rows carry the request id that wrote them, on both backends: covered by the row's hash
(editing it is tampering), filterable (`opsgraph audit --request`), and an audit log written
before the column existed migrates and still verifies."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opsgraph.agent import audit as audit_module
from opsgraph.agent.audit import GENESIS, AuditLog, _row_hash
from opsgraph.core.db import migrate, open_database
from opsgraph.core.telemetry.requests import request_scope
from tests.storage.conftest import Targets


def _old_log(target: Targets, rows: int) -> None:
    """An audit log as the release before request ids wrote it: schema v1, v1 hashes."""
    db = open_database(target("audit"))
    migrate(db, "audit", audit_module.MIGRATIONS[:1])
    prev = GENESIS
    with db.transaction() as tx:
        for seq in range(1, rows + 1):
            fields = ("2024-05-01T10:00:00.000+00:00", "alice", "plan", "t1", "k8s_status", json.dumps({"i": seq}))
            digest = _row_hash(prev, seq, *fields)
            tx.execute(
                "INSERT INTO audit (seq, ts, actor, event, thread_id, subject, data, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, *fields, prev, digest),
            )
            prev = digest
        if db.dialect == "postgresql":
            tx.execute("UPDATE audit_head SET rows = ?, hash = ? WHERE id = 1", (rows, prev))
    db.close()


def test_rows_record_the_request_in_progress_and_old_rows_still_verify(target: Targets) -> None:
    _old_log(target, 3)
    log = AuditLog(target("audit"))  # migrates to v2
    with request_scope("req-abc-1"):
        log.append("plan", actor="bob", thread_id="t2", data={"tool": "k8s_scale"})
        log.append("approval_requested", actor="bob", thread_id="t2")
    log.append("denied", actor="carol", thread_id="t2", request_id="req-explicit")
    log.append("plan", actor="dave")  # outside any request

    assert [e.request_id for e in log.entries()] == ["", "", "", "req-abc-1", "req-abc-1", "req-explicit", ""]
    assert [e.event for e in log.entries(request_id="req-abc-1")] == ["plan", "approval_requested"]
    report = log.verify()
    assert report.ok and report.rows == 7, report


def test_editing_a_rows_request_id_breaks_the_chain(target: Targets) -> None:
    log = AuditLog(target("audit"))
    with request_scope("req-real"):
        log.append("executed", actor="bob", data={"tool": "k8s_scale"})
    log.append("plan", actor="bob")
    db = open_database(target("audit"))
    with db.transaction() as tx:
        if db.dialect == "postgresql":
            tx.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_change")
        else:
            tx.execute("DROP TRIGGER audit_no_update")
        tx.execute("UPDATE audit SET request_id = 'req-forged' WHERE seq = 1")
    db.close()
    report = log.verify()
    assert not report.ok and report.broken_at == 1 and "modified" in report.reason


def test_the_audit_command_shows_and_filters_by_request_id(isolated_state: Path) -> None:
    from opsgraph.channels.cli import app

    log = AuditLog(isolated_state / "audit.sqlite")
    with request_scope("req-cli-9"):
        log.append("plan", actor="bob", subject="k8s_status", data={"tool": "k8s_status"})
    log.append("plan", actor="carol", subject="k8s_logs", data={"tool": "k8s_logs"})
    log.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["audit"])
    assert listed.exit_code == 0, listed.output
    (line,) = [line for line in listed.output.splitlines() if "bob" in line]
    assert "[req-cli-9]" in line
    only = runner.invoke(app, ["audit", "--request", "req-cli-9", "--json"])
    entries = json.loads(only.stdout)["entries"]
    assert [(e["actor"], e["request_id"]) for e in entries] == [("bob", "req-cli-9")]
