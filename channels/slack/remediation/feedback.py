"""Did it work? Each proposal is a row; once its action has run and the policy's window has
passed, the success check decides `worked` or `failed` (`not_run` when it was denied or
expired). The track record ("worked 7 of 8 times") counts worked / (worked + failed).

Stored through `opsgraph.core.db`: a SQLite file, or PostgreSQL shared by replicas (where
`first_time` is one unique row, so one replica acts on an incident, not each)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from opsgraph.core.db import Database, Migration, Target, migrate, open_database

_TABLES = (
    """CREATE TABLE IF NOT EXISTS remediation_outcomes (
    approval_id TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    incident TEXT NOT NULL,
    request TEXT NOT NULL,
    auto INTEGER NOT NULL,
    proposed_at REAL NOT NULL,
    executed_at REAL,
    outcome TEXT,
    detail TEXT NOT NULL DEFAULT ''
)""",
    """CREATE TABLE IF NOT EXISTS remediation_seen (
    policy TEXT NOT NULL, incident TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (policy, incident)
)""",
)

MIGRATIONS = (
    Migration(
        1,
        "remediation outcomes",
        sqlite=_TABLES,
        postgresql=tuple(t.replace("REAL", "DOUBLE PRECISION") for t in _TABLES),
    ),
)


@dataclass(frozen=True)
class Proposal:
    approval_id: str
    policy: str
    incident: str
    request: str
    auto: bool
    proposed_at: float
    executed_at: float | None
    outcome: str | None
    detail: str


class OutcomeStore:
    def __init__(self, target: Target) -> None:
        self.db: Database = open_database(target, timeout=10)
        self._owned = self.db is not target
        migrate(self.db, "remediation", MIGRATIONS)

    def first_time(self, policy: str, incident: str) -> bool:
        """True once per (policy, incident), across restarts and replicas."""
        with self.db.transaction() as tx:
            inserted = tx.execute(
                "INSERT INTO remediation_seen VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (policy, incident, time.time())
            ).rowcount
        return inserted == 1

    def propose(self, approval_id: str, policy: str, incident: str, request: str, auto: bool) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO remediation_outcomes (approval_id, policy, incident, request, auto, proposed_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (approval_id, policy, incident, request, int(auto), time.time()),
            )

    def executed(self, approval_id: str, at: float) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE remediation_outcomes SET executed_at = ? WHERE approval_id = ? AND executed_at IS NULL",
                (at, approval_id),
            )

    def settle(self, approval_id: str, outcome: str, detail: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE remediation_outcomes SET outcome = ?, detail = ? WHERE approval_id = ? AND outcome IS NULL",
                (outcome, detail, approval_id),
            )

    def open(self) -> list[Proposal]:
        return self._rows("WHERE outcome IS NULL")

    def get(self, approval_id: str) -> Proposal | None:
        rows = self._rows("WHERE approval_id = ?", (approval_id,))
        return rows[0] if rows else None

    def track_record(self, policy: str) -> tuple[int, int]:
        row = self.db.query_one(
            "SELECT COALESCE(SUM(CASE WHEN outcome = 'worked' THEN 1 ELSE 0 END), 0), COUNT(*)"
            " FROM remediation_outcomes WHERE policy = ? AND outcome IN ('worked', 'failed')",
            (policy,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def auto_runs(self, policy: str, since: float) -> int:
        row = self.db.query_one(
            "SELECT COUNT(*) FROM remediation_outcomes WHERE policy = ? AND auto = 1 AND executed_at > ?",
            (policy, since),
        )
        return int(row[0]) if row else 0

    def _rows(self, where: str, params: tuple[object, ...] = ()) -> list[Proposal]:
        rows = self.db.query(
            "SELECT approval_id, policy, incident, request, auto, proposed_at, executed_at, outcome, detail"
            f" FROM remediation_outcomes {where} ORDER BY proposed_at",
            params,
        )
        return [Proposal(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8]) for r in rows]

    def close(self) -> None:
        if self._owned:
            self.db.close()


def phrase_record(worked: int, tried: int) -> str:
    if tried == 0:
        return "no track record yet"
    return f"worked {worked} of {tried} time{'s' if tried != 1 else ''}"
