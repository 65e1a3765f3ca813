"""Approvals bound to one exact action, persisted in SQLite, consumed at most once.

An approval records the tool, its validated args, the dry-run diff the person saw, and the hash
of the three (`tools.registry.action_hash`). It moves pending -> approved | denied | expired, and
approved -> executed exactly once. Every transition is one `BEGIN IMMEDIATE` transaction (read,
check, write), so two processes resuming the same approval cannot both run it, and an action
whose hash differs from the approved one (changed args, or a cluster that changed since the diff
was shown) is refused.

Crash safety: the executor moves approved -> executing *before* the tool runs (`begin`) and
executing -> executed after (`finish`). A process killed in between leaves an "executing" row;
on the next start `agent.reconcile` asks the cluster whether the change landed and settles the
row: executed, or interrupted (consumed but never run). An interrupted approval can be retried
once by an approver (`decide`), or it expires, and the listing says which.

Tampering: each row carries two HMAC seals made with a key kept beside the database (file mode
0600): one over what was approved (tool, args, diff, hash, requester, reason, expiry) and one
over where it stands (status, decider, times, retries). A row edited in the database without
the key (args 4 -> 40, a revived `expires_at`, a status set to approved) fails its seal and is
refused before anything runs. Someone who can read the key file can forge seals; keep the state
directory private to the account that runs opsgraph.

Storage (`opsgraph.core.db`): a SQLite file (the key file beside it), or PostgreSQL shared by
several replicas. There each transition locks its row (`SELECT ... FOR UPDATE`), so whichever
replica receives the click, one of them moves it and the other finds it already decided. The
key then comes from a setting (`OPSGRAPH_APPROVAL_KEY` / `OPSGRAPH_APPROVAL_KEY_FILE`) shared by
the replicas, never from the database it protects; without one the store refuses to open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

from opsgraph.core.db import Database, Migration, StateConfigError, Target, Tx, migrate, open_database
from opsgraph.tools.errors import ApprovalInvalid

ApprovalStatus = Literal["pending", "approved", "denied", "executing", "executed", "interrupted", "expired"]

RETRIES_ALLOWED = 1  # an interrupted approval can be approved again this many times

_COLUMNS_V1 = """(
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
)"""

# Added after the first release: ALTERed into existing databases.
_LATER_COLUMNS = {
    "started_at": "REAL",
    "interrupted_at": "REAL",
    "outcome": "TEXT",
    "retries": "INTEGER NOT NULL DEFAULT 0",
    "seal": "TEXT",
    "state_seal": "TEXT",
}


def _pg(ddl: str) -> str:
    """PostgreSQL's REAL is 4 bytes: times (and the seals over them) need DOUBLE PRECISION."""
    return ddl.replace("REAL", "DOUBLE PRECISION")


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
    started_at: float | None = None
    interrupted_at: float | None = None
    outcome: str | None = None  # what reconciling an interrupted execution found
    retries: int = 0
    tampered: str | None = None  # why the row fails its seals, if it does

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at

    def retryable(self, now: float | None = None) -> bool:
        return self.status == "interrupted" and self.retries < RETRIES_ALLOWED and not self.expired(now)

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


class Decided(NamedTuple):
    approval: Approval
    repeated: bool  # it was approved already: this call decided nothing new


_COLUMNS = (
    "id, thread_id, tool, args, diff, action_hash, risk, requester, reason, created_at, expires_at, status,"
    " decided_by, decided_at, executed_at, started_at, interrupted_at, outcome, retries, seal, state_seal"
)


class ApprovalStore:
    def __init__(self, target: Target, *, key: bytes | None = None) -> None:
        """`target`: a SQLite path (the key file beside it unless `key`), a PostgreSQL URL or an
        open Database (then `key` is required: the replicas share it from a setting)."""
        self.db: Database = open_database(target, timeout=10)
        self._owned = self.db is not target
        self.path = getattr(self.db, "path", None)
        if key is None:
            if self.path is None:
                raise StateConfigError(
                    "approvals on PostgreSQL need the sealing key every replica shares: set "
                    "OPSGRAPH_APPROVAL_KEY (64 hex characters, e.g. `openssl rand -hex 32`) or "
                    "OPSGRAPH_APPROVAL_KEY_FILE; it must not live in the database it protects"
                )
            key = _load_key(self.path.with_name(self.path.stem + ".key"))
        self._key = key
        migrate(self.db, "approvals", self._migrations())

    # -- creating and reading ------------------------------------------------------------------
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
        with self.db.transaction() as tx:
            tx.execute(
                f"INSERT INTO approvals ({_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, 0, ?, ?)",
                (
                    approval.id,
                    thread_id,
                    tool,
                    _args_json(args),
                    diff,
                    action_hash,
                    risk,
                    requester,
                    reason,
                    now,
                    approval.expires_at,
                    "pending",
                    self._seal(approval),
                    self._state_seal(approval),
                ),
            )
        return approval

    def get(self, approval_id: str) -> Approval | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,))
        return self._checked(row) if row else None

    def find(self, *, status: ApprovalStatus | None = None, thread_id: str | None = None) -> list[Approval]:
        query, params = f"SELECT {_COLUMNS} FROM approvals WHERE 1=1", list[str]()
        if status:
            query += " AND status = ?"
            params.append(status)
        if thread_id:
            query += " AND thread_id = ?"
            params.append(thread_id)
        rows = self.db.query(query + " ORDER BY created_at", params)
        return [self._checked(r) for r in rows]

    # -- transitions ---------------------------------------------------------------------------
    def decide(self, approval_id: str, *, approve: bool, by: str) -> Approval:
        """pending -> approved | denied; interrupted -> approved (a retry, once) | denied;
        approved -> approved (its approver's process died before running it)."""
        return self.decide_once(approval_id, approve=approve, by=by).approval

    def decide_once(self, approval_id: str, *, approve: bool, by: str) -> Decided:
        """`decide`, also saying whether the approval was already approved before this call (a
        double click, or a second approver racing the first), so the caller audits one approval."""
        now = time.time()
        with self._transaction(approval_id) as (tx, current):
            if current is None or current.tampered or current.expired(now):
                raise ApprovalInvalid(self._why_not(current, approval_id, "decide", now))
            retry = current.status == "interrupted"
            # Approving an approved one again is allowed: the process that approved it may have
            # died before running it; `begin` still lets it run once.
            again = current.status == "approved" and approve
            if not (current.status == "pending" or again or (retry and current.retryable(now))):
                raise ApprovalInvalid(self._why_not(current, approval_id, "decide", now))
            decided = replace(
                current,
                status="approved" if approve else "denied",
                decided_by=by,
                decided_at=now,
                retries=current.retries + (1 if retry and approve else 0),
            )
            self._store_state(tx, decided)
        return Decided(decided, repeated=again)

    def consume(self, approval_id: str, action_hash: str, *, actor: str) -> None:
        """approved -> executed, once, and only for exactly the approved action (no write-ahead:
        callers that run outside the agent's executor)."""
        self._start(approval_id, action_hash, "executed")

    def begin(self, approval_id: str, action_hash: str) -> Approval:
        """approved -> executing: the write-ahead record, made durable before the tool runs."""
        return self._start(approval_id, action_hash, "executing")

    def finish(self, approval_id: str, *, outcome: str) -> None:
        """executing -> executed (the tool returned, whatever it answered)."""
        self._settle(approval_id, "executed", outcome)

    def settle(self, approval_id: str, *, landed: bool, outcome: str) -> Approval:
        """Reconciling an execution whose process died: executed if the change landed, else
        interrupted (consumed, never run: an approver may retry it once before it expires)."""
        return self._settle(approval_id, "executed" if landed else "interrupted", outcome)

    def expire_stale(self) -> int:
        now = time.time()
        expired = 0
        for stale in self.db.query(
            "SELECT id FROM approvals WHERE status IN ('pending', 'approved', 'interrupted') AND expires_at <= ?",
            (now,),
        ):
            with self._transaction(stale[0]) as (tx, current):
                if current is None or current.tampered or current.status not in ("pending", "approved", "interrupted"):
                    continue
                self._store_state(tx, replace(current, status="expired"))
                expired += 1
        return expired

    def _start(self, approval_id: str, action_hash: str, status: ApprovalStatus) -> Approval:
        now = time.time()
        with self._transaction(approval_id) as (tx, current):
            if (
                current is None
                or current.tampered
                or current.status != "approved"
                or current.action_hash != action_hash
                or current.expired(now)
            ):
                raise ApprovalInvalid(self._why_not(current, approval_id, "execute", now, action_hash))
            started = replace(current, status=status, executed_at=now, started_at=now)
            self._store_state(tx, started)
        return started

    def _settle(self, approval_id: str, status: ApprovalStatus, outcome: str) -> Approval:
        now = time.time()
        with self._transaction(approval_id) as (tx, current):
            if current is None or current.status != "executing":
                raise ApprovalInvalid(f"approval {approval_id} is not executing")
            settled = replace(
                current,
                status=status,
                outcome=outcome,
                executed_at=current.executed_at if status == "executed" else None,
                interrupted_at=now if status == "interrupted" else None,
            )
            self._store_state(tx, settled)
        return settled

    @contextmanager
    def _transaction(self, approval_id: str) -> Iterator[tuple[Tx, Approval | None]]:
        """One row read and rewritten under a lock every process and replica respects (SQLite's
        write lock; PostgreSQL's row lock)."""
        with self.db.transaction() as tx:
            row = tx.execute(
                f"SELECT {_COLUMNS} FROM approvals WHERE id = ?{self.db.for_update}", (approval_id,)
            ).fetchone()
            yield tx, (self._checked(row) if row else None)

    def _store_state(self, tx: Tx, approval: Approval) -> None:
        tx.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, executed_at = ?, started_at = ?,"
            " interrupted_at = ?, outcome = ?, retries = ?, state_seal = ? WHERE id = ?",
            (
                approval.status,
                approval.decided_by,
                approval.decided_at,
                approval.executed_at,
                approval.started_at,
                approval.interrupted_at,
                approval.outcome,
                approval.retries,
                self._state_seal(approval),
                approval.id,
            ),
        )

    def _why_not(
        self, approval: Approval | None, approval_id: str, verb: str, now: float, action_hash: str | None = None
    ) -> str:
        if approval is None:
            return f"there is no approval {approval_id}"
        if approval.tampered:
            return f"approval {approval_id} was altered in the state database ({approval.tampered}); it cannot be used"
        if approval.status in ("executed", "executing"):
            return f"approval {approval_id} was already used; nothing runs twice"
        if approval.status == "interrupted" and approval.retries >= RETRIES_ALLOWED:
            return f"approval {approval_id} was already retried once after an interruption; ask again"
        if approval.status == "denied":
            return f"approval {approval_id} was denied by {approval.decided_by}"
        if approval.expired(now) or approval.status == "expired":
            return f"approval {approval_id} expired; ask again to get a fresh one"
        if action_hash is not None and approval.action_hash != action_hash:
            return (
                f"approval {approval_id} was given for a different action (the arguments or the "
                "cluster changed since the diff was shown); ask again"
            )
        if verb == "execute" and approval.status in ("pending", "interrupted"):
            return f"approval {approval_id} has not been approved yet"
        return f"approval {approval_id} is {approval.status} and cannot be used to {verb}"

    # -- seals ---------------------------------------------------------------------------------
    def _mac(self, fields: list[Any]) -> str:
        material = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
        return hmac.new(self._key, material.encode(), hashlib.sha256).hexdigest()

    def _seal(self, a: Approval) -> str:
        return self._mac(
            [a.id, a.thread_id, a.tool, _args_json(a.args), a.diff, a.action_hash, a.risk, a.requester, a.reason,
             a.created_at, a.expires_at]
        )  # fmt: skip

    def _state_seal(self, a: Approval) -> str:
        return self._mac(
            [a.id, a.status, a.decided_by, a.decided_at, a.executed_at, a.started_at, a.interrupted_at, a.outcome,
             a.retries]
        )  # fmt: skip

    def _checked(self, row: tuple[Any, ...]) -> Approval:
        approval = _from_row(row)
        seal, state_seal = row[19], row[20]
        problem = None
        if not hmac.compare_digest(str(seal or ""), self._seal(approval)):
            problem = "what was approved no longer matches its seal: tool, arguments, diff, requester or expiry"
        elif not hmac.compare_digest(str(state_seal or ""), self._state_seal(approval)):
            problem = "its status or decision no longer matches its seal"
        return replace(approval, tampered=problem) if problem else approval

    def _migrations(self) -> tuple[Migration, ...]:
        return (
            Migration(
                1,
                "approvals",
                sqlite=(f"CREATE TABLE IF NOT EXISTS approvals {_COLUMNS_V1}",),
                postgresql=(_pg(f"CREATE TABLE IF NOT EXISTS approvals {_COLUMNS_V1}"),),
                both=("CREATE INDEX IF NOT EXISTS approvals_thread ON approvals(thread_id, status)",),
            ),
            Migration(2, "crash-safe execution, retries and seals", run=self._add_later_columns),
        )

    def _add_later_columns(self, tx: Tx) -> None:
        if tx.db.dialect == "sqlite":
            have = {r[1] for r in tx.execute("PRAGMA table_info(approvals)").fetchall()}
        else:
            have = {
                r[0]
                for r in tx.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'approvals' AND table_schema = current_schema()"
                ).fetchall()
            }
        for name, kind in _LATER_COLUMNS.items():
            if name not in have:
                kind = kind if tx.db.dialect == "sqlite" else _pg(kind)
                tx.execute(f"ALTER TABLE approvals ADD COLUMN {name} {kind}")
        # Rows written before seals existed are sealed as they are now, once.
        for row in tx.execute(f"SELECT {_COLUMNS} FROM approvals WHERE seal IS NULL").fetchall():
            old = _from_row(row)
            tx.execute(
                "UPDATE approvals SET seal = ?, state_seal = ? WHERE id = ?",
                (self._seal(old), self._state_seal(old), old.id),
            )

    def close(self) -> None:
        if self._owned:
            self.db.close()


def _args_json(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True)


def _load_key(path: Path) -> bytes:
    """The sealing key: 32 random bytes, created once with mode 0600 beside the database."""
    for _ in range(50):
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            break
        if len(key) == 32:
            return key
        time.sleep(0.02)  # another process is writing it
    else:
        raise ApprovalInvalid(f"{path} is not an approval key (32 bytes); restore it or remove it with the approvals")
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _load_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


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
        started_at=row[15],
        interrupted_at=row[16],
        outcome=row[17],
        retries=int(row[18] or 0),
    )
