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

Durability has two tiers. Entries that record a change or a decision (approvals, denials,
refusals, executed writes, blocked input) are fsync'd before `append` returns. Entries of
read-only turns are committed to the WAL without an fsync: they survive a crash of opsgraph, and
only a power loss in the same instant could drop them; that halves the cost of a read turn.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


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


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    rows: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def _row_hash(
    prev_hash: str, seq: int, ts: str, actor: str, event: str, thread_id: str, subject: str, data: str
) -> str:
    material = "\x1f".join([prev_hash, str(seq), ts, actor, event, thread_id, subject, data])
    return hashlib.sha256(material.encode()).hexdigest()


class AuditLogMissing(FileNotFoundError):
    """Opening for reading only, and there is no audit log where there should be one."""


class AuditLog:
    def __init__(self, path: Path, *, redactor: Callable[[Any], Any] | None = None, must_exist: bool = False) -> None:
        if must_exist and not path.exists():
            raise AuditLogMissing(f"there is no audit log at {path}: it was deleted, or opsgraph never ran here")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._redact = redactor or (lambda value: value)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._sync = ""
        self.head_path = path.with_name(path.name + ".head")

    def append(
        self,
        event: str,
        *,
        actor: str,
        thread_id: str = "",
        subject: str = "",
        data: Any = None,
        durable: bool = True,
    ) -> AuditEntry:
        payload = json.dumps(self._redact(data or {}), sort_keys=True, separators=(",", ":"), default=str)
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._lock:
            sync = "FULL" if durable else "NORMAL"
            if sync != self._sync:
                self._db.execute(f"PRAGMA synchronous={sync}")
                self._sync = sync
            # IMMEDIATE takes the write lock first, so two processes cannot fork the chain.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                last = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                digest = _row_hash(prev, seq, ts, actor, event, thread_id, subject, payload)
                self._db.execute(
                    "INSERT INTO audit (seq, ts, actor, event, thread_id, subject, data, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, ts, actor, event, thread_id, subject, payload, prev, digest),
                )
                if durable:
                    self._write_head(seq, digest)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return AuditEntry(seq, ts, actor, event, thread_id, subject, json.loads(payload), prev, digest)

    def entries(
        self, *, limit: int | None = None, thread_id: str | None = None, event: str | None = None
    ) -> list[AuditEntry]:
        query = "SELECT seq, ts, actor, event, thread_id, subject, data, prev_hash, hash FROM audit"
        clauses, params = [], []
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
        rows = self._db.execute(query, params).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in reversed(rows)]

    def head(self) -> tuple[int, str]:
        """(rows, last hash): write it down elsewhere; `verify(head=...)` later proves the log
        still holds it, so a cut tail or a chain recomputed from an earlier row shows."""
        last = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
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
        row = self._db.execute("SELECT seq FROM audit WHERE hash = ?", (digest,)).fetchone()
        return int(row[0]) if row else None

    def _verify_chain(self) -> VerifyReport:
        prev, count, expected_seq = GENESIS, 0, 1
        cursor = self._db.execute(
            "SELECT seq, ts, actor, event, thread_id, subject, data, prev_hash, hash FROM audit ORDER BY seq"
        )
        for seq, ts, actor, event, thread_id, subject, data, prev_hash, digest in cursor:
            count += 1
            if seq != expected_seq:
                return VerifyReport(False, count, prev, seq, f"row {expected_seq} is missing (next row is {seq})")
            if prev_hash != prev:
                return VerifyReport(False, count, prev, seq, f"row {seq} does not follow row {seq - 1} (chain broken)")
            if _row_hash(prev, seq, ts, actor, event, thread_id, subject, data) != digest:
                return VerifyReport(False, count, prev, seq, f"row {seq} was modified after it was written")
            prev, expected_seq = digest, seq + 1
        last_seq = expected_seq - 1
        issued = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
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
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"rows": seq, "hash": digest}))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.head_path)

    def _hash_of(self, seq: int) -> str | None:
        row = self._db.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
        return str(row[0]) if row else None

    def _read_head(self) -> tuple[int, str] | None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["rows"]), str(head["hash"])
        return None

    def close(self) -> None:
        self._db.close()
