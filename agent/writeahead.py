"""Write-ahead execution of an approved write: intent recorded durably before the call.

The executor hands the registry a `WriteAhead` gate instead of the bare approval store. When the
registry consumes the approval (after its fresh dry run matched the approved hash), the gate
takes a per-approval lock file, moves the approval approved -> executing (fsync'd), and audits
"executing" with the action hash, all before the tool touches the cluster. After the call the
executor audits "executed" and `finish()` moves the row to executed and drops the lock.

A `kill -9` anywhere in between leaves the row executing and the lock free (the kernel releases
a dead process's locks): `agent.reconcile` finds it on the next start.

With several replicas on PostgreSQL the lock is a session advisory lock instead of a file (a lock
file on one replica's disk means nothing to another): held on its own connection, dropped by
the server when the process that holds it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import AuditLog
from opsgraph.core.db import Database, SessionLock


def lock_dir(state_dir: Path) -> Path:
    return state_dir / "executing"


class ExecutionLock:
    """An exclusive lock on one approval's execution, held by the process running it."""

    def __init__(self, directory: Path, approval_id: str, db: Database | None = None) -> None:
        self._session: SessionLock | None = None
        if db is not None and db.dialect == "postgresql":
            self._session = db.session_lock(f"opsgraph:executing:{approval_id}")
        else:
            directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{approval_id}.lock"
        self._handle: IO[str] | None = None

    def acquire(self, *, wait: bool) -> bool:
        if self._session is not None:
            return self._session.acquire(wait=wait)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return True

    def release(self, *, remove: bool = True) -> None:
        if self._session is not None:
            self._session.release()
            return
        if self._handle is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._handle.close()  # closing drops the flock
        self._handle = None


class WriteAhead:
    """The approval gate for one write call (see tools.context.ApprovalGate)."""

    def __init__(self, store: ApprovalStore, audit: AuditLog, locks: Path, *, thread_id: str, tool: str) -> None:
        self._store, self._audit, self._locks = store, audit, locks
        self._thread_id, self._tool = thread_id, tool
        self._lock: ExecutionLock | None = None
        self.begun: str | None = None

    def consume(self, approval_id: str, action_hash: str, *, actor: str) -> None:
        lock = ExecutionLock(self._locks, approval_id, self._store.db)
        lock.acquire(wait=True)
        self._lock = lock
        approval = self._store.begin(approval_id, action_hash)  # raises ApprovalInvalid: nothing runs
        self.begun = approval_id
        self._audit.append(
            "executing",
            actor=actor,
            thread_id=self._thread_id,
            subject=self._tool,
            data={
                "approval": approval_id,
                "args": approval.args,
                "action_hash": action_hash,
                "approved_by": approval.decided_by,
                "pid": os.getpid(),
            },
            durable=True,
        )

    def finish(self, outcome: str) -> None:
        """After the call returned: executing -> executed; the lock is dropped."""
        try:
            if self.begun is not None:
                self._store.finish(self.begun, outcome=outcome)
        finally:
            self.release()

    def release(self) -> None:
        """Drop the lock without settling: a reconcile decides what happened."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
