"""Incident channels: one Slack message per incident, in the channel the routing rules choose.

Called by the alert pipeline (on its background thread) when an incident opens or gains alerts:
the first call posts the incident; later calls edit the same message and add a thread reply
("3 new alerts"); `sweep()` notices resolutions and says how long the incident lasted. Each
channel takes at most `rate_limit.count` new incident posts per window. The agent's own answers
(the diagnosis, a proposed fix with its approval buttons) go in the incident's thread: this is
also the responder's notifier (`post(thread, result)`).

Each incident is posted once, also with several replicas on PostgreSQL: the poster first claims
the incident's row (a unique key); a replica that finds it claimed does not post, and edits the
message only once it carries its Slack ts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from opsgraph.channels.slack.config import SlackConfig
from opsgraph.channels.slack.incident_blocks import incident_blocks, incident_text
from opsgraph.core.db import Database, Migration, Target, migrate, open_database

log = logging.getLogger(__name__)

CLAIM_STALE_S = 120.0  # a claim not turned into a post by then was left by a replica that died
SEVERITY_ORDER = {"none": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}

_TABLE = """CREATE TABLE IF NOT EXISTS slack_incidents (
    incident TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    status TEXT NOT NULL,
    posted_at REAL NOT NULL
)"""

MIGRATIONS = (
    Migration(1, "incident posts", sqlite=(_TABLE,), postgresql=(_TABLE.replace("REAL", "DOUBLE PRECISION"),)),
)


@dataclass(frozen=True)
class Posted:
    incident: str
    channel: str
    ts: str
    alerts: int
    status: str
    posted_at: float


class SlackIncidents:
    def __init__(
        self,
        poster: Any,
        config: SlackConfig,
        db_path: Target,
        *,
        fallback_channel: str | None = None,
        pipeline: Any = None,
        min_severity: str = "warning",
    ) -> None:
        self.poster = poster
        self.config = config
        self.fallback_channel = fallback_channel
        self.pipeline = pipeline
        self.min_severity = min_severity
        self.assistant: Any = None  # set by the wiring: renders the agent's answers
        self.suppressed = 0
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self.db: Database = open_database(db_path, timeout=10)
        self._owned = self.db is not db_path
        migrate(self.db, "slack_incidents", MIGRATIONS)

    # -- the pipeline's callback ---------------------------------------------------------------
    def __call__(self, snapshot: Any) -> Posted | None:
        if snapshot.noise or SEVERITY_ORDER.get(snapshot.severity, 0) < SEVERITY_ORDER[self.min_severity]:
            return None
        with self._lock:
            known = self.posted(snapshot.id)
            if known is None:
                return self._open(snapshot)
            return self._update(known, snapshot)

    def _open(self, snapshot: Any) -> Posted | None:
        channel = self.channel_for(snapshot)
        if channel is None:
            log.info("incident %s: no Slack channel routes it", snapshot.id)
            return None
        if not self._allow(channel):
            self.suppressed += 1
            log.warning("incident %s not posted: channel %s is over its rate limit", snapshot.id, channel)
            return None
        if not self._claim(snapshot, channel):
            return None  # another replica is posting it
        try:
            data = self.poster.call(
                "chat.postMessage", channel=channel, text=incident_text(snapshot), blocks=incident_blocks(snapshot)
            )
        except BaseException:
            self._unclaim(snapshot.id)
            raise
        if data is None:
            self._unclaim(snapshot.id)
            return None  # kept in the outbox; without its ts, updates become new posts later
        posted = Posted(
            snapshot.id, data.get("channel", channel), data["ts"], snapshot.alert_count, snapshot.status, time.time()
        )
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE slack_incidents SET channel = ?, ts = ?, alerts = ?, status = ?, posted_at = ?"
                " WHERE incident = ?",
                (posted.channel, posted.ts, posted.alerts, posted.status, posted.posted_at, posted.incident),
            )
        return posted

    def _claim(self, snapshot: Any, channel: str) -> bool:
        """The right to post this incident: one unique row (ts empty until posted). A claim whose
        replica died before posting is taken over after CLAIM_STALE_S."""
        now = time.time()
        with self.db.transaction() as tx:
            return (
                tx.execute(
                    "INSERT INTO slack_incidents VALUES (?, ?, '', ?, ?, ?) ON CONFLICT (incident) DO UPDATE"
                    " SET channel = excluded.channel, posted_at = excluded.posted_at"
                    " WHERE slack_incidents.ts = '' AND slack_incidents.posted_at < ?",
                    (snapshot.id, channel, snapshot.alert_count, snapshot.status, now, now - CLAIM_STALE_S),
                ).rowcount
                == 1
            )

    def _unclaim(self, incident: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM slack_incidents WHERE incident = ? AND ts = ''", (incident,))

    def _update(self, known: Posted, snapshot: Any) -> Posted:
        self.poster.call(
            "chat.update",
            channel=known.channel,
            ts=known.ts,
            text=incident_text(snapshot),
            blocks=incident_blocks(snapshot),
        )
        notes = []
        if snapshot.alert_count > known.alerts:
            new = snapshot.alert_count - known.alerts
            notes.append(
                f"{new} new alert{'s' if new != 1 else ''} ({snapshot.alert_count} in all, {snapshot.firing} firing)"
            )
        if snapshot.status != known.status:
            if snapshot.status == "resolved":
                minutes = max(0.0, (snapshot.last_at - snapshot.opened_at) / 60)
                notes.append(f"✅ resolved after {minutes:.0f} min")
            else:
                notes.append("🔥 firing again")
        for note in notes:
            self.poster.call("chat.postMessage", channel=known.channel, thread_ts=known.ts, text=note)
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE slack_incidents SET alerts = ?, status = ? WHERE incident = ?",
                (snapshot.alert_count, snapshot.status, known.incident),
            )
        return Posted(known.incident, known.channel, known.ts, snapshot.alert_count, snapshot.status, known.posted_at)

    def sweep(self) -> int:
        """Edit posted incidents whose status changed (resolutions do not add alerts, so the
        pipeline does not call back for them); returns how many changed."""
        if self.pipeline is None or not getattr(self.pipeline, "leader", True):
            return 0  # several replicas (tools.alerts.shared): the one that announces incidents edits them
        changed = 0
        for snap in self.pipeline.snapshots():
            known = self.posted(snap.id)
            if known is not None and (snap.status != known.status or snap.alert_count != known.alerts):
                with self._lock:
                    self._update(known, snap)
                changed += 1
        return changed

    def start_sweeping(self, every_s: float = 15.0) -> threading.Event:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.sweep()
                except Exception:
                    log.exception("checking posted incidents failed")

        threading.Thread(target=loop, name="slack-incidents", daemon=True).start()
        return stop

    # -- the responder's notifier --------------------------------------------------------------
    def post(self, thread: str, result: Any) -> None:
        """The agent's answer about `incident-<id>` (or `incident-<id>/<policy>`), in its thread."""
        known = self.posted(thread.removeprefix("incident-").split("/", 1)[0])
        if known is None or self.assistant is None:
            log.warning("[%s] %s", thread, result.reply)
            return
        self.assistant.post_result(known.channel, known.ts, result)

    # -- helpers -------------------------------------------------------------------------------
    def channel_for(self, snapshot: Any) -> str | None:
        namespaces = tuple(dict.fromkeys(str(a.args["namespace"]) for a in snapshot.actions if a.args.get("namespace")))
        return self.config.route(snapshot.severity, tuple(snapshot.blast_radius), namespaces) or self.fallback_channel

    def posted(self, incident: str) -> Posted | None:
        """The incident's post, once it has one (a claim still being posted is not one yet)."""
        row = self.db.query_one(
            "SELECT incident, channel, ts, alerts, status, posted_at FROM slack_incidents"
            " WHERE incident = ? AND ts <> ''",
            (incident,),
        )
        return Posted(*row) if row else None

    def _allow(self, channel: str) -> bool:
        limit = self.config.incidents.rate_limit
        now = time.monotonic()
        recent = self._recent.setdefault(channel, deque())
        while recent and now - recent[0] > limit.per_seconds:
            recent.popleft()
        if len(recent) >= limit.count:
            return False
        recent.append(now)
        return True

    def close(self) -> None:
        if self._owned:
            self.db.close()
