"""The LangGraph checkpointer on the configured backend, with our redacting serializer.

SQLite (the default): `checkpoints.sqlite` in the state directory, WAL, `synchronous=NORMAL`
(checkpoints survive an opsgraph crash without an fsync per turn; approvals themselves live in
the approval store, which is fsync'd). PostgreSQL: langgraph-checkpoint-postgres's
`PostgresSaver`; its `setup()` (its own versioned migrations) runs under our migration lock so
two replicas starting together do not both create the tables.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.agent.checkpoint_serde import RedactingSerializer
from opsgraph.core.db import DatabaseUnavailable, SessionLock
from opsgraph.core.db.migrations import MIGRATION_LOCK


@dataclass
class Checkpointer:
    saver: Any
    _close: Any

    def close(self) -> None:
        self._close()


def open_checkpointer(target: Path | str) -> Checkpointer:
    serde = RedactingSerializer()
    if isinstance(target, Path):
        from langgraph.checkpoint.sqlite import SqliteSaver

        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return Checkpointer(SqliteSaver(conn, serde=serde), conn.close)
    return _postgres(target, serde)


def _postgres(url: str, serde: RedactingSerializer) -> Checkpointer:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to the checkpoint database: {str(exc).strip()}") from exc
    saver = PostgresSaver(conn, serde=serde)
    # The migration lock as a session lock, not inside a transaction: setup() builds indexes
    # CONCURRENTLY, which waits for every open transaction (ours too, were it one).
    lock = SessionLock(url, MIGRATION_LOCK, timeout_s=10)
    lock.acquire(wait=True)
    try:
        saver.setup()
    finally:
        lock.release()
    return Checkpointer(saver, conn.close)
