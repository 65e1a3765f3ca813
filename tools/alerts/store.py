"""The alert store: SQLite in WAL mode with synchronous commits.

- `payloads`: every accepted webhook body, append-only, committed before the receiver answers 2xx
  (so nothing acknowledged is lost); replaying them rebuilds every incident after a restart.
- `alerts`: the latest state per fingerprint, written in the same transaction (what `alerts_list`
  reads without replaying).
- `incidents`: the latest snapshot per incident, written after correlation (derived data: it can
  always be rebuilt from `payloads`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.guardrails.redaction import redact, redact_data
from opsgraph.tools.alerts.incidents import IncidentSnapshot
from opsgraph.tools.alerts.model import Alert

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    fingerprint TEXT PRIMARY KEY,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    starts_at REAL NOT NULL,
    ends_at REAL,
    status TEXT NOT NULL,
    suppressed INTEGER NOT NULL,
    last_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status);
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    opened_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    size INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);
"""


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
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for body in bodies:
                    cur.execute(
                        "INSERT INTO payloads (received_at, source, body) VALUES (?, ?, ?)", (now, source, body)
                    )
                    ids.append(int(cur.lastrowid or 0))
                cur.executemany(
                    "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(fingerprint) DO UPDATE SET "
                    "labels=excluded.labels, annotations=excluded.annotations, starts_at=excluded.starts_at, "
                    "ends_at=excluded.ends_at, status=excluded.status, suppressed=excluded.suppressed, "
                    "last_seen=excluded.last_seen",
                    rows,
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return ids

    def payloads(self) -> Iterator[tuple[int, float, str]]:
        """Every stored payload, oldest first: (id, received_at, body)."""
        with self._lock:
            rows = self._db.execute("SELECT id, received_at, body FROM payloads ORDER BY id").fetchall()
        yield from rows

    def payload_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM payloads").fetchone()[0])

    def alerts(self, status: str | None = "firing") -> list[StoredAlert]:
        query = "SELECT fingerprint, labels, annotations, starts_at, ends_at, status, suppressed FROM alerts"
        args: tuple[Any, ...] = ()
        if status is not None:
            query, args = query + " WHERE status = ?", (status,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY starts_at DESC", args).fetchall()
        return [StoredAlert(r[0], json.loads(r[1]), json.loads(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows]

    def save_incidents(self, snapshots: Sequence[IncidentSnapshot]) -> None:
        now = time.time()
        rows = [
            (s.id, s.opened_at, now, s.status, s.alert_count, json.dumps(redact_data(s.to_dict()))) for s in snapshots
        ]
        with self._lock:
            self._db.executemany(
                "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "updated_at=excluded.updated_at, status=excluded.status, size=excluded.size, "
                "snapshot=excluded.snapshot",
                rows,
            )

    def drop_incidents(self, ids: Sequence[str]) -> None:
        """Forget snapshots of incidents that no longer exist (merged into another)."""
        with self._lock:
            self._db.executemany("DELETE FROM incidents WHERE id = ?", [(i,) for i in ids])

    def incidents(self) -> list[dict[str, Any]]:
        """Stored snapshots (`IncidentSnapshot.to_dict()`), newest first."""
        with self._lock:
            rows = self._db.execute("SELECT snapshot FROM incidents ORDER BY opened_at DESC").fetchall()
        return [json.loads(r[0]) for r in rows]


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
