"""Approvals bound to one exact action, persisted in SQLite, consumed at most once.

An approval records the tool, its validated args, the dry-run diff the person saw, and the hash
of the three (`tools.registry.action_hash`). It moves pending -> approved | denied | expired, and
approved -> executed exactly once: `consume()` is a single conditional UPDATE, so two processes
resuming the same approval cannot both run it, and an action whose hash differs from the approved
one (changed args, or a cluster that changed since the diff was shown) is refused.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from opsgraph.tools.errors import ApprovalInvalid

ApprovalStatus = Literal["pending", "approved", "denied", "executed", "expired"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    args TEXT NOT NULL,
    diff TEXT NOT NULL,
    action_hash TEXT NOT NULL,
    risk TEXT NOT NULL,
    requester TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at REAL,
    executed_at REAL
);
CREATE INDEX IF NOT EXISTS approvals_thread ON approvals(thread_id, status);
"""


@dataclass(frozen=True)
class Approval:
    id: str
    thread_id: str
    tool: str
    args: dict[str, Any]
    diff: str
    action_hash: str
    risk: str
    requester: str
    reason: str
    created_at: float
    expires_at: float
    status: ApprovalStatus
    decided_by: str | None = None
    decided_at: float | None = None
    executed_at: float | None = None

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tool": self.tool,
            "args": self.args,
            "diff": self.diff,
            "action_hash": self.action_hash,
            "requester": self.requester,
            "reason": self.reason,
            "expires_at": self.expires_at,
            "status": self.status,
        }


_COLUMNS = (
    "id, thread_id, tool, args, diff, action_hash, risk, requester, reason, created_at, expires_at, status,"
    " decided_by, decided_at, executed_at"
)


class ApprovalStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def create(
        self,
        *,
        thread_id: str,
        tool: str,
        args: dict[str, Any],
        diff: str,
        action_hash: str,
        risk: str,
        requester: str,
        reason: str,
        ttl_s: float,
    ) -> Approval:
        now = time.time()
        approval = Approval(
            id="apr-" + secrets.token_hex(4),
            thread_id=thread_id,
            tool=tool,
            args=args,
            diff=diff,
            action_hash=action_hash,
            risk=risk,
            requester=requester,
            reason=reason,
            created_at=now,
            expires_at=now + ttl_s,
            status="pending",
        )
        with self._lock:
            self._db.execute(
                f"INSERT INTO approvals ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                (
                    approval.id,
                    thread_id,
                    tool,
                    json.dumps(args, sort_keys=True),
                    diff,
                    action_hash,
                    risk,
                    requester,
                    reason,
                    now,
                    approval.expires_at,
                    "pending",
                ),
            )
        return approval

    def get(self, approval_id: str) -> Approval | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,)).fetchone()
        return _from_row(row) if row else None

    def find(self, *, status: ApprovalStatus | None = None, thread_id: str | None = None) -> list[Approval]:
        query, params = f"SELECT {_COLUMNS} FROM approvals WHERE 1=1", list[str]()
        if status:
            query += " AND status = ?"
            params.append(status)
        if thread_id:
            query += " AND thread_id = ?"
            params.append(thread_id)
        rows = self._db.execute(query + " ORDER BY created_at", params).fetchall()
        return [_from_row(r) for r in rows]

    def decide(self, approval_id: str, *, approve: bool, by: str) -> Approval:
        """pending -> approved | denied. Refuses anything else with the reason."""
        now = time.time()
        new_status = "approved" if approve else "denied"
        with self._lock:
            cursor = self._db.execute(
                "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'pending' AND expires_at > ?",
                (new_status, by, now, approval_id, now),
            )
            if cursor.rowcount == 1:
                decided = self.get(approval_id)
                assert decided is not None
                return decided
            raise ApprovalInvalid(self._why_not(approval_id, "decide", now))

    def consume(self, approval_id: str, action_hash: str, *, actor: str) -> None:
        """approved -> executed, once, and only for exactly the approved action."""
        now = time.time()
        with self._lock:
            cursor = self._db.execute(
                "UPDATE approvals SET status = 'executed', executed_at = ?"
                " WHERE id = ? AND status = 'approved' AND action_hash = ? AND expires_at > ?",
                (now, approval_id, action_hash, now),
            )
            if cursor.rowcount == 1:
                return
            raise ApprovalInvalid(self._why_not(approval_id, "execute", now, action_hash))

    def expire_stale(self) -> int:
        now = time.time()
        with self._lock:
            cursor = self._db.execute(
                "UPDATE approvals SET status = 'expired' WHERE status IN ('pending', 'approved') AND expires_at <= ?",
                (now,),
            )
        return cursor.rowcount

    def _why_not(self, approval_id: str, verb: str, now: float, action_hash: str | None = None) -> str:
        approval = self.get(approval_id)
        if approval is None:
            return f"there is no approval {approval_id}"
        if approval.status == "executed":
            return f"approval {approval_id} was already used; nothing runs twice"
        if approval.status == "denied":
            return f"approval {approval_id} was denied by {approval.decided_by}"
        if approval.expired(now) or approval.status == "expired":
            return f"approval {approval_id} expired; ask again to get a fresh one"
        if action_hash is not None and approval.action_hash != action_hash:
            return (
                f"approval {approval_id} was given for a different action (the arguments or the "
                "cluster changed since the diff was shown); ask again"
            )
        if verb == "execute" and approval.status == "pending":
            return f"approval {approval_id} has not been approved yet"
        return f"approval {approval_id} is {approval.status} and cannot be used to {verb}"

    def close(self) -> None:
        self._db.close()


def _from_row(row: tuple[Any, ...]) -> Approval:
    return Approval(
        id=row[0],
        thread_id=row[1],
        tool=row[2],
        args=json.loads(row[3]),
        diff=row[4],
        action_hash=row[5],
        risk=row[6],
        requester=row[7],
        reason=row[8],
        created_at=row[9],
        expires_at=row[10],
        status=row[11],
        decided_by=row[12],
        decided_at=row[13],
        executed_at=row[14],
    )
