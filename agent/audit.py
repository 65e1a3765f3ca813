"""Append-only, hash-chained audit log in SQLite.

Every plan, approval request, approval, denial, refusal and execution is one row. Each row's hash
covers its content and the previous row's hash, so editing or deleting a row breaks the chain at
that point and `verify()` names it. Triggers refuse UPDATE and DELETE through SQLite itself; the
chain catches edits made around them (another tool, a raw file edit). Truncating the newest rows
leaves a valid chain, so the head (row count and last hash) is kept twice outside the rows: in
SQLite's own AUTOINCREMENT counter (every row), and in a head file beside the database, rewritten
in the same transaction as every durable row (decisions, executed writes; a read turn's rows skip
it: replacing a file costs more than the whole read turn). `verify()` compares both with what it
read and reports a truncation.

Each row records the request that wrote it (`request_id`: X-Request-ID, a Slack event, a CLI
turn; core.telemetry.requests), covered by the row's hash; rows from before the column hash as
they always did.

Durability has two tiers. Entries that record a change or a decision (approvals, denials,
refusals, executed writes, blocked input) are fsync'd before `append` returns. Entries of
read-only turns are committed to the WAL without an fsync: they survive a crash of opsgraph, and
only a power loss in the same instant could drop them; that halves the cost of a read turn.

On PostgreSQL (several replicas, `opsgraph.core.db`) the head is a row, `audit_head`, locked
(`SELECT ... FOR UPDATE`) and advanced in the same transaction as every append: concurrent
writers on any replica take turns, so the log stays one chain. Triggers refuse UPDATE, DELETE and
TRUNCATE of `audit`, and a head that would go backwards. Read-only entries commit with
`synchronous_commit=off`, the same two tiers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsgraph.core.db import Database, Migration, Target, migrate, open_database
from opsgraph.core.telemetry.requests import current

GENESIS = "0" * 64

_SQLITE = (
    """CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)

_POSTGRES = (
    """CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)""",
    "CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), rows BIGINT NOT NULL,"
    " hash TEXT NOT NULL)",
    f"INSERT INTO audit_head (id, rows, hash) VALUES (1, 0, '{GENESIS}') ON CONFLICT (id) DO NOTHING",
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.rows < OLD.rows THEN RAISE EXCEPTION 'the audit head only moves forward'; END IF;
  RETURN NEW;
END $$""",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_head_no_rewind BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW"
    " EXECUTE FUNCTION audit_head_forward()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT"
    " EXECUTE FUNCTION audit_head_forward()",
)

MIGRATIONS = (
    Migration(1, "hash-chained audit log", sqlite=_SQLITE, postgresql=_POSTGRES),
    # Rows written before this step keep '' and their hashes: the id joins the hash only when set.
    Migration(2, "request id per row", both=("ALTER TABLE audit ADD COLUMN request_id TEXT NOT NULL DEFAULT ''",)),
)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    actor: str
    event: str
    thread_id: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    request_id: str = ""  # the request (X-Request-ID, a Slack event, a CLI turn) that wrote it


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    rows: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def _row_hash(
    prev_hash: str, seq: int, ts: str, actor: str, event: str, thread_id: str, subject: str, data: str,
    request_id: str = "",
) -> str:  # fmt: skip
    fields = [prev_hash, str(seq), ts, actor, event, thread_id, subject, data]
    # A row's request id is covered by its hash; rows from before it existed ('') hash as they did.
    material = "\x1f".join([*fields, request_id] if request_id else fields)
    return hashlib.sha256(material.encode()).hexdigest()


class AuditLogMissing(FileNotFoundError):
    """Opening for reading only, and there is no audit log where there should be one."""


class AuditLog:
    def __init__(
        self, target: Target, *, redactor: Callable[[Any], Any] | None = None, must_exist: bool = False
    ) -> None:
        if must_exist and isinstance(target, Path) and not target.exists():
            raise AuditLogMissing(f"there is no audit log at {target}: it was deleted, or opsgraph never ran here")
        self.db: Database = open_database(target)
        self._owned = self.db is not target
        if must_exist and self.db.dialect == "postgresql" and not _pg_table(self.db, "audit"):
            self.close()
            raise AuditLogMissing(f"there is no audit log in {self.db.describe()}: it was dropped, or never written")
        self._redact = redactor or (lambda value: value)
        migrate(self.db, "audit", MIGRATIONS)
        self._shared = self.db.dialect == "postgresql"
        path: Path | None = getattr(self.db, "path", None)
        self.path = path
        # The head kept outside the rows: a file beside SQLite; on PostgreSQL the audit_head row.
        self.head_path = path.with_name(path.name + ".head") if path is not None else None

    def append(
        self,
        event: str,
        *,
        actor: str,
        thread_id: str = "",
        subject: str = "",
        data: Any = None,
        durable: bool = True,
        request_id: str | None = None,
    ) -> AuditEntry:
        """One row; `request_id` defaults to the request in progress (core.telemetry.requests)."""
        rid = (request_id if request_id is not None else current()) or ""
        payload = json.dumps(self._redact(data or {}), sort_keys=True, separators=(",", ":"), default=str)
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.db.transaction(durable=durable) as tx:
            # SQLite: BEGIN IMMEDIATE took the write lock, so two processes cannot fork the chain.
            # PostgreSQL: the head row's lock does the same across replicas.
            if self._shared:
                head = tx.execute("SELECT rows, hash FROM audit_head WHERE id = 1 FOR UPDATE").fetchone()
                last = (int(head[0]), str(head[1])) if head and head[0] else None
            else:
                last = tx.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            digest = _row_hash(prev, seq, ts, actor, event, thread_id, subject, payload, rid)
            tx.execute(
                "INSERT INTO audit (seq, ts, actor, event, thread_id, subject, data, prev_hash, hash, request_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, ts, actor, event, thread_id, subject, payload, prev, digest, rid),
            )
            if self._shared:
                tx.execute("UPDATE audit_head SET rows = ?, hash = ? WHERE id = 1", (seq, digest))
            elif durable:
                self._write_head(seq, digest)
        return AuditEntry(seq, ts, actor, event, thread_id, subject, json.loads(payload), prev, digest, rid)

    def entries(
        self,
        *,
        limit: int | None = None,
        thread_id: str | None = None,
        event: str | None = None,
        request_id: str | None = None,
    ) -> list[AuditEntry]:
        query = "SELECT seq, ts, actor, event, thread_id, subject, data, prev_hash, hash, request_id FROM audit"
        clauses, params = [], []
        if request_id:
            clauses.append("request_id = ?")
            params.append(request_id)
        if thread_id:
            clauses.append("thread_id = ?")
            params.append(thread_id)
        if event:
            clauses.append("event = ?")
            params.append(event)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        query += " ORDER BY seq DESC"
        if limit:
            query += f" LIMIT {int(limit)}"
        rows = self.db.query(query, params)
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9]) for r in reversed(rows)
        ]

    def head(self) -> tuple[int, str]:
        """(rows, last hash): write it down elsewhere; `verify(head=...)` later proves the log
        still holds it, so a cut tail or a chain recomputed from an earlier row shows."""
        last = self.db.query_one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return (int(last[0]), str(last[1])) if last else (0, GENESIS)

    def verify(self, head: tuple[int | None, str] | None = None) -> VerifyReport:
        report = self._verify_chain()
        if report.ok and report.rows == 0:
            return VerifyReport(
                False, 0, GENESIS, None, "the audit log is empty: nothing was recorded, or it was emptied"
            )
        if not report.ok or head is None:
            return report
        rows, digest = head
        seq = rows if rows is not None else self._seq_of(digest)
        if seq is None or seq > report.rows:
            missing = f"row {seq}" if seq is not None else f"a row with hash {digest[:16]}"
            return VerifyReport(
                False, report.rows, report.head, seq,
                f"the log no longer holds the head you recorded ({missing}): it was truncated or rewritten",
            )  # fmt: skip
        if self._hash_of(seq) != digest:
            return VerifyReport(
                False, report.rows, report.head, seq,
                f"row {seq} is not the row you recorded as the head: the chain was recomputed",
            )  # fmt: skip
        return report

    def _seq_of(self, digest: str) -> int | None:
        row = self.db.query_one("SELECT seq FROM audit WHERE hash = ?", (digest,))
        return int(row[0]) if row else None

    def _verify_chain(self) -> VerifyReport:
        prev, count, expected_seq = GENESIS, 0, 1
        cursor = self.db.query(
            "SELECT seq, ts, actor, event, thread_id, subject, data, prev_hash, hash, request_id"
            " FROM audit ORDER BY seq"
        )
        for seq, ts, actor, event, thread_id, subject, data, prev_hash, digest, rid in cursor:
            count += 1
            if seq != expected_seq:
                return VerifyReport(False, count, prev, seq, f"row {expected_seq} is missing (next row is {seq})")
            if prev_hash != prev:
                return VerifyReport(False, count, prev, seq, f"row {seq} does not follow row {seq - 1} (chain broken)")
            if _row_hash(prev, seq, ts, actor, event, thread_id, subject, data, rid) != digest:
                return VerifyReport(False, count, prev, seq, f"row {seq} was modified after it was written")
            prev, expected_seq = digest, seq + 1
        last_seq = expected_seq - 1
        issued = None if self._shared else self.db.query_one("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")
        head = self._read_head()
        recorded = max(int(issued[0]) if issued else 0, head[0] if head else 0)
        if recorded > last_seq:
            return VerifyReport(
                False, count, prev, last_seq + 1,
                f"rows {last_seq + 1} to {recorded} are missing at the end: the log was truncated "
                f"(it had {recorded} rows, it has {count})",
            )  # fmt: skip
        if head is not None and head[0] <= last_seq and self._hash_of(head[0]) not in (None, head[1]):
            return VerifyReport(False, count, prev, head[0], f"row {head[0]} is not the row that was written there")
        return VerifyReport(True, count, prev)

    def _write_head(self, seq: int, digest: str) -> None:
        assert self.head_path is not None
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"rows": seq, "hash": digest}))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.head_path)

    def _hash_of(self, seq: int) -> str | None:
        row = self.db.query_one("SELECT hash FROM audit WHERE seq = ?", (seq,))
        return str(row[0]) if row else None

    def _read_head(self) -> tuple[int, str] | None:
        if self._shared:
            row = self.db.query_one("SELECT rows, hash FROM audit_head WHERE id = 1")
            return (int(row[0]), str(row[1])) if row and row[0] else None
        assert self.head_path is not None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["rows"]), str(head["hash"])
        return None

    def close(self) -> None:
        if self._owned:
            self.db.close()


def _pg_table(db: Database, name: str) -> bool:
    row = db.query_one("SELECT to_regclass(?)", (name,))
    return bool(row and row[0] is not None)
