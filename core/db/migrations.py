"""Versioned migrations, per store, recorded in `schema_migrations (store, version)`.

A store declares its steps once, numbered from 1; `migrate(db, store, steps)` applies the ones
the database has not recorded, each exactly once, in one transaction. Two replicas starting
together serialise on the migration lock (PostgreSQL: a transaction-scoped advisory lock; SQLite:
`BEGIN IMMEDIATE`), so the second sees the first's rows and applies nothing.

A step is statements per dialect (then `both`, the same on each) or a function of the open
transaction, for steps that must look first (columns an older release may already have added).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opsgraph.core.db.database import Database, Tx

Step = Callable[[Tx], None]
MIGRATION_LOCK = "opsgraph:schema_migrations"  # also held by other schema owners (LangGraph's setup)

_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    store TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (store, version)
)"""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    both: tuple[str, ...] = ()
    sqlite: tuple[str, ...] = ()
    postgresql: tuple[str, ...] = ()
    run: Step | None = None

    def apply(self, tx: Tx) -> None:
        for statement in (self.sqlite if tx.db.dialect == "sqlite" else self.postgresql) + self.both:
            tx.execute(statement)
        if self.run is not None:
            self.run(tx)


def migrate(db: Database, store: str, steps: Sequence[Migration]) -> list[int]:
    """Apply `store`'s missing steps; the versions applied now (empty when up to date)."""
    versions = [s.version for s in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"migrations of {store} must be numbered 1..{len(steps)}, got {versions}")
    if _applied(db, store) >= len(steps):
        return []  # the common start: nothing to lock
    applied: list[int] = []
    with db.transaction() as tx:
        tx.lock(MIGRATION_LOCK)
        tx.execute(_TABLE)
        row = tx.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE store = ?", (store,)).fetchone()
        have = int(row[0]) if row else 0
        for step in steps[have:]:
            step.apply(tx)
            tx.execute(
                "INSERT INTO schema_migrations (store, version, description, applied_at) VALUES (?, ?, ?, ?)",
                (store, step.version, step.description, time.time()),
            )
            applied.append(step.version)
    return applied


def _applied(db: Database, store: str) -> int:
    if db.dialect == "sqlite":
        exists = db.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    else:
        exists = db.query_one("SELECT to_regclass('schema_migrations')")
        exists = exists if exists and exists[0] is not None else None
    if not exists:
        return 0
    row = db.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE store = ?", (store,))
    return int(row[0]) if row else 0
