"""The alert store: SQLite in WAL mode with synchronous commits, or PostgreSQL shared by
several replicas (`opsgraph.core.db`; any replica's accepted payload is committed before it
answers, whichever replica it was).

- `payloads`: every accepted webhook body, append-only, committed before the receiver answers 2xx
  (so nothing acknowledged is lost); replaying them rebuilds every incident after a restart.
- `alerts`: the latest state per fingerprint, written in the same transaction (what `alerts_list`
  reads without replaying).
- `incidents`: the latest snapshot per incident, written after correlation (derived data: it can
  always be rebuilt from `payloads`), and `announced`, the alert count last announced (posted):
  what a replica taking over as the correlator (tools.alerts.shared) does not announce again.

On PostgreSQL, payload ids are the order of one stream for every replica: appends take turns on
a transaction lock (ids are issued and committed in order, so a reader of `id > last` never
skips one still committing), and each commit sends `NOTIFY opsgraph_payloads`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opsgraph.core.db import Database, Migration, Target, migrate, open_database
from opsgraph.guardrails.redaction import may_hold_secret, redact, redact_data
from opsgraph.tools.alerts.incidents import IncidentSnapshot
from opsgraph.tools.alerts.model import Alert

_TABLES = (
    """CREATE TABLE IF NOT EXISTS payloads (
    id {id},
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
    fingerprint TEXT PRIMARY KEY,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    starts_at REAL NOT NULL,
    ends_at REAL,
    status TEXT NOT NULL,
    suppressed INTEGER NOT NULL,
    last_seen REAL NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status)",
    """CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    opened_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    size INTEGER NOT NULL,
    snapshot TEXT NOT NULL
)""",
)

MIGRATIONS = (
    Migration(
        1,
        "payloads, alerts, incidents",
        sqlite=tuple(t.replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT") for t in _TABLES),
        postgresql=tuple(
            t.replace("{id}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY").replace("REAL", "DOUBLE PRECISION")
            for t in _TABLES
        ),
    ),
    Migration(
        2,
        "alert count announced per incident",
        # Before this step every saved snapshot had been announced as it was saved.
        both=(
            "ALTER TABLE incidents ADD COLUMN announced INTEGER NOT NULL DEFAULT 0",
            "UPDATE incidents SET announced = size",
        ),
    ),
)

APPEND_LOCK = "opsgraph:alerts:payloads"
NOTIFY_CHANNEL = "opsgraph_payloads"


@dataclass(frozen=True)
class StoredAlert:
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float | None
    status: str
    suppressed: bool


class AlertStore:
    def __init__(self, path: Target) -> None:
        self.db: Database = open_database(path, timeout=30)
        self._owned = self.db is not path
        self.path = getattr(self.db, "path", None)
        migrate(self.db, "alerts", MIGRATIONS)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def append(self, body: str, alerts: Sequence[Alert], source: str = "alertmanager") -> int:
        """Store one accepted payload durably (committed on return); returns its id. The body and
        every label and annotation pass the redactor first: alert text is outsiders' text, and a
        secret pasted into an annotation must not rest in the store (or reach `alerts_list`)."""
        return self.append_many([(body, alerts)], source)[0]

    def append_many(self, items: Sequence[tuple[str, Sequence[Alert]]], source: str = "alertmanager") -> list[int]:
        """Several payloads in one transaction and one fsync (group commit); their ids, in order.
        Nothing is acknowledged before this returns."""
        now = time.time()
        bodies = [_redacted_body(body) for body, _ in items]
        rows = [
            (
                a.fingerprint,
                json.dumps(redact_data(dict(a.labels)), sort_keys=True),
                json.dumps(redact_data(dict(a.annotations)), sort_keys=True),
                a.starts_at,
                a.ends_at,
                a.status,
                int(a.suppressed),
                now,
            )
            for _, alerts in items
            for a in alerts
        ]
        ids: list[int] = []
        with self.db.transaction() as tx:
            tx.lock(APPEND_LOCK)  # PostgreSQL: ids committed in the order issued (SQLite: already)
            for body in bodies:
                row = tx.execute(
                    "INSERT INTO payloads (received_at, source, body) VALUES (?, ?, ?) RETURNING id",
                    (now, source, body),
                ).fetchone()
                ids.append(int(row[0]) if row else 0)
            tx.executemany(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(fingerprint) DO UPDATE SET "
                "labels=excluded.labels, annotations=excluded.annotations, starts_at=excluded.starts_at, "
                "ends_at=excluded.ends_at, status=excluded.status, suppressed=excluded.suppressed, "
                "last_seen=excluded.last_seen",
                rows,
            )
            if self.db.dialect == "postgresql":
                tx.execute(f"NOTIFY {NOTIFY_CHANNEL}")  # delivered at commit
        return ids

    def payloads(self, after: int = 0, limit: int | None = None) -> Iterator[tuple[int, float, str]]:
        """Stored payloads with an id above `after` (at most `limit`), oldest first: (id,
        received_at, body)."""
        query = "SELECT id, received_at, body FROM payloads WHERE id > ? ORDER BY id"
        rows = self.db.query(query + (f" LIMIT {int(limit)}" if limit is not None else ""), (after,))
        for row_id, received_at, body in rows:
            yield int(row_id), float(received_at), str(body)

    def payload_count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM payloads")
        return int(row[0]) if row else 0

    def alerts(self, status: str | None = "firing") -> list[StoredAlert]:
        query = "SELECT fingerprint, labels, annotations, starts_at, ends_at, status, suppressed FROM alerts"
        args: tuple[Any, ...] = ()
        if status is not None:
            query, args = query + " WHERE status = ?", (status,)
        rows = self.db.query(query + " ORDER BY starts_at DESC", args)
        return [StoredAlert(r[0], json.loads(r[1]), json.loads(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows]

    def save_incidents(self, snapshots: Sequence[IncidentSnapshot]) -> None:
        """Upsert the latest snapshots. Not durable (no wait for the disk): they are derived from
        `payloads`, which are, and every start replays them; a later durable commit (the next
        payload, `mark_announced`) writes them out in order. The fsync cost 0.35 ms an incident
        in a storm of new ones, as much as making and storing the snapshot."""
        now = time.time()
        rows = [(s.id, s.opened_at, now, s.status, s.alert_count, _snapshot_json(s)) for s in snapshots]
        with self.db.transaction(durable=False) as tx:
            tx.executemany(
                "INSERT INTO incidents (id, opened_at, updated_at, status, size, snapshot) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET "
                "updated_at=excluded.updated_at, status=excluded.status, size=excluded.size, "
                "snapshot=excluded.snapshot",
                rows,
            )

    def announced(self) -> dict[str, int]:
        """Incident id -> the alert count last announced (see `mark_announced`)."""
        return {str(i): int(n) for i, n in self.db.query("SELECT id, announced FROM incidents WHERE announced > 0")}

    def mark_announced(self, snapshots: Sequence[IncidentSnapshot]) -> None:
        """Record that these snapshots were announced (after the announcement returned)."""
        with self.db.transaction() as tx:
            tx.executemany(
                "UPDATE incidents SET announced = ? WHERE id = ? AND announced < ?",
                [(s.alert_count, s.id, s.alert_count) for s in snapshots],
            )

    def drop_incidents(self, ids: Sequence[str]) -> None:
        """Forget snapshots of incidents that no longer exist (merged into another)."""
        with self.db.transaction() as tx:
            tx.executemany("DELETE FROM incidents WHERE id = ?", [(i,) for i in ids])

    def incidents(self) -> list[dict[str, Any]]:
        """Stored snapshots (`IncidentSnapshot.to_dict()`), newest first."""
        rows = self.db.query("SELECT snapshot FROM incidents ORDER BY opened_at DESC")
        return [json.loads(r[0]) for r in rows]


def _snapshot_json(snapshot: IncidentSnapshot) -> str:
    """The snapshot as stored, secrets redacted. Its JSON text is checked once for anything the
    redactor acts on (pure ASCII, it holds every key and string as they are): most snapshots
    hold nothing, and the redactor over each of their strings cost 0.75 ms a snapshot, as much
    as making it (every first save in a storm of new incidents). Anything else: redacted."""
    data = snapshot.to_dict()
    text = json.dumps(data)
    if "\\u" not in text and not may_hold_secret(text):
        return text
    return json.dumps(redact_data(data))


def _redacted_body(body: str | bytes) -> str:
    """The body with secrets marked, still valid JSON (the store replays it after a restart)."""
    if isinstance(body, bytes):  # some callers hand over the raw request bytes
        body = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(body)
    except ValueError:
        return redact(body)
    # Value by value: a fraction of the cost of the patterns over the whole text (every body
    # says "groupKey", so the whole-text prefilter never spares one), and the JSON stays valid.
    redacted = redact_data(document)
    return body if redacted == document else json.dumps(redacted)
