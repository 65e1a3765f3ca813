"""The audit log: append-only, hash-chained, and `verify` names the row someone altered."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from opsgraph.agent.audit import AuditLog


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.sqlite")
    audit.append("plan", actor="alice", thread_id="t1", subject="k8s_scale", data={"text": "scale checkout"})
    audit.append("approval_requested", actor="alice", thread_id="t1", subject="apr-1", data={"diff": "3 -> 5"})
    audit.append("approved", actor="bob", thread_id="t1", subject="apr-1")
    audit.append("executed", actor="alice", thread_id="t1", subject="k8s_scale", data={"status": "ok"})
    return audit


def test_intact_log_verifies(log: AuditLog) -> None:
    report = log.verify()
    assert report.ok and report.rows == 4
    assert [e.event for e in log.entries()] == ["plan", "approval_requested", "approved", "executed"]


def test_sqlite_refuses_updates_and_deletes(log: AuditLog) -> None:
    db = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit WHERE seq = 2")


def _tamper(path: Path, statement: str) -> None:
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute(statement)
    db.commit()
    db.close()


def test_verify_catches_an_edited_row(log: AuditLog) -> None:
    _tamper(log.path, "UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    report = log.verify()
    assert not report.ok
    assert report.broken_at == 3
    assert "modified" in report.reason


def test_verify_catches_a_deleted_row(log: AuditLog) -> None:
    _tamper(log.path, "DELETE FROM audit WHERE seq = 2")
    report = log.verify()
    assert not report.ok and "row 2 is missing" in report.reason


def test_verify_catches_a_rewritten_chain_link(log: AuditLog) -> None:
    _tamper(log.path, "UPDATE audit SET prev_hash = hash WHERE seq = 4")
    assert log.verify().broken_at == 4


def test_verify_catches_rows_deleted_at_the_end(log: AuditLog) -> None:
    _tamper(log.path, "DELETE FROM audit WHERE seq >= 3")
    report = log.verify()
    assert not report.ok and "rows 3 to 4 are missing at the end" in report.reason


def test_verify_catches_a_truncation_that_also_resets_sqlite_counter(log: AuditLog) -> None:
    _tamper(log.path, "DELETE FROM audit WHERE seq = 4")
    db = sqlite3.connect(log.path)
    db.execute("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'audit'")
    db.commit()
    db.close()
    report = log.verify()
    assert not report.ok and "truncated" in report.reason


def test_appending_after_a_reopen_keeps_the_head(log: AuditLog) -> None:
    log.close()
    reopened = AuditLog(log.path)
    reopened.append("plan", actor="alice", thread_id="t2", subject="k8s_status")
    assert reopened.verify().ok and reopened.verify().rows == 5


def test_audit_data_passes_the_redactor(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "a.sqlite", redactor=lambda d: {k: "[REDACTED]" for k in d})
    entry = audit.append("executed", actor="a", data={"token": "xoxb-123"})
    assert entry.data == {"token": "[REDACTED]"}
    assert "xoxb" not in (tmp_path / "a.sqlite").read_bytes().decode("latin-1")


def test_cli_verify_reports_tampering(isolated_state: Path) -> None:
    from typer.testing import CliRunner

    from opsgraph.channels.cli import app

    audit = AuditLog(isolated_state / "audit.sqlite")
    audit.append("plan", actor="alice", data={"text": "restart cart"})
    audit.append("executed", actor="alice", data={"status": "ok"})
    audit.close()
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    listing = runner.invoke(app, ["audit"])
    assert "restart cart" in listing.output
    _tamper(isolated_state / "audit.sqlite", "UPDATE audit SET data = '{}' WHERE seq = 1")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "row 1 was modified" in result.output
