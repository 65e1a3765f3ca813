"""Incident channels: one Slack message per incident, in the channel the routing rules choose.

Called by the alert pipeline (on its background thread) when an incident opens or gains alerts:
the first call posts the incident; later calls edit the same message and add a thread reply
("3 new alerts"); `sweep()` notices resolutions and says how long the incident lasted. Each
channel takes at most `rate_limit.count` new incident posts per window. The agent's own answers
(the diagnosis, a proposed fix with its approval buttons) go in the incident's thread: this is
also the responder's notifier (`post(thread, result)`).

Each incident is posted once, also with several replicas on PostgreSQL and across restarts: the
poster first claims the incident's row (a unique key, `ts` empty: "announcing"), posts with
metadata naming the incident (channels.slack.post_lookup), then records the message's ts. A claim
found unconfirmed was left by a process that died before or after Slack accepted its post: the
channel's recent history is searched for the incident's metadata and a message found there is
adopted (recorded and edited to the current state) instead of posted again; a claim with no
message is posted again once CLAIM_GRACE_S have passed (its claimant cannot still be posting).
Incidents with such a claim are resumed at the next update or by `sweep()`. The agent's answers in
the thread are recorded the same way (channels.slack.incident_answers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from opsgraph.channels.slack.config import SlackConfig
from opsgraph.channels.slack.incident_answers import TABLE as ANSWERS_TABLE
from opsgraph.channels.slack.incident_answers import AnswerLedger, AnswerRun
from opsgraph.channels.slack.incident_blocks import incident_blocks, incident_text
from opsgraph.channels.slack.post_lookup import EVENT_INCIDENT, LookupFailed, find_keys, metadata
from opsgraph.core.db import Database, Migration, Target, migrate, open_database

log = logging.getLogger(__name__)

CLAIM_GRACE_S = 30.0  # an unconfirmed claim younger than this may still be posting (a Slack call's retries)
CLAIM_STALE_S = 120.0  # when the history cannot be read: a claim this old is posted again
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
    Migration(
        2,
        "agent answers per incident",
        sqlite=(ANSWERS_TABLE,),
        postgresql=(ANSWERS_TABLE.replace("REAL", "DOUBLE PRECISION"),),
    ),
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
        self.answers = AnswerLedger(self.db, poster)
        self._answering: dict[str, AnswerRun] = {}

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
        claimed = self._unconfirmed(snapshot.id)
        if claimed is not None:
            return self._resume(snapshot, *claimed)
        if not self._allow(channel):
            self.suppressed += 1
            log.warning("incident %s not posted: channel %s is over its rate limit", snapshot.id, channel)
            return None
        if not self._claim(snapshot, channel):
            return None  # another replica is posting it
        return self._post(snapshot, channel)

    def _post(self, snapshot: Any, channel: str) -> Posted | None:
        # An exception here (the process being stopped) leaves the claim: whether Slack took the
        # post is unknown, and the next call resumes it (`_resume`).
        data = self.poster.call(
            "chat.postMessage",
            channel=channel,
            text=incident_text(snapshot),
            blocks=incident_blocks(snapshot),
            metadata=metadata(EVENT_INCIDENT, snapshot.id, incident=snapshot.id),
        )
        if data is None:
            self._unclaim(snapshot.id)
            return None  # kept in the outbox; without its ts, updates become new posts later
        posted = Posted(
            snapshot.id, data.get("channel", channel), data["ts"], snapshot.alert_count, snapshot.status, time.time()
        )
        self._confirm(posted)
        return posted

    def _confirm(self, posted: Posted) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE slack_incidents SET channel = ?, ts = ?, alerts = ?, status = ?, posted_at = ?"
                " WHERE incident = ?",
                (posted.channel, posted.ts, posted.alerts, posted.status, posted.posted_at, posted.incident),
            )

    def _resume(self, snapshot: Any, channel: str, claimed_at: float, alerts: int, status: str) -> Posted | None:
        """A claim never confirmed: adopt the message Slack holds for it, or post it again once
        its claimant cannot still be posting."""
        age = time.time() - claimed_at
        try:
            found = find_keys(self.poster, channel, EVENT_INCIDENT, since=claimed_at).get(snapshot.id)
        except LookupFailed as exc:
            found, wait = None, CLAIM_STALE_S
            log.warning("incident %s: its post is unconfirmed and the channel's history cannot be read (%s); "
                        "needs the channels:history / groups:history scope", snapshot.id, exc)  # fmt: skip
        else:
            wait = CLAIM_GRACE_S
        if found is not None:
            adopted = Posted(snapshot.id, channel, str(found["ts"]), alerts, status, claimed_at)
            self._confirm(adopted)
            log.warning("incident %s: adopted its Slack message %s (posted before a failover or restart, "
                        "never recorded)", snapshot.id, adopted.ts)  # fmt: skip
            return self._update(adopted, snapshot)
        if age < wait:
            return None  # resumed later (the next update, or `sweep`)
        with self.db.transaction() as tx:  # take the claim over (one replica does)
            taken = tx.execute(
                "UPDATE slack_incidents SET posted_at = ? WHERE incident = ? AND ts = '' AND posted_at = ?",
                (time.time(), snapshot.id, claimed_at),
            ).rowcount
        if taken != 1:
            return None
        log.warning("incident %s: its post was claimed %.0f s ago and never made; posting it now", snapshot.id, age)
        return self._post(snapshot, channel)

    def _unconfirmed(self, incident: str) -> tuple[str, float, int, str] | None:
        row = self.db.query_one(
            "SELECT channel, posted_at, alerts, status FROM slack_incidents WHERE incident = ? AND ts = ''",
            (incident,),
        )
        return (str(row[0]), float(row[1]), int(row[2]), str(row[3])) if row else None

    def _claim(self, snapshot: Any, channel: str) -> bool:
        """The right to post this incident: one unique row (ts empty until posted)."""
        with self.db.transaction() as tx:
            return (
                tx.execute(
                    "INSERT INTO slack_incidents VALUES (?, ?, '', ?, ?, ?) ON CONFLICT (incident) DO NOTHING",
                    (snapshot.id, channel, snapshot.alert_count, snapshot.status, time.time()),
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
        unconfirmed = {r[0] for r in self.db.query("SELECT incident FROM slack_incidents WHERE ts = ''")}
        for snap in self.pipeline.snapshots():
            if snap.id in unconfirmed:  # a post cut short by a failover or restart: adopt or make it
                self(snap)
                continue
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
    def begin_answer(self, snapshot: Any, rank: int) -> AnswerRun | None:
        """Before the agent answers `snapshot` at severity `rank`: None when that was answered
        already (by any replica, before any restart); else the run, whose posts `post` keys."""
        known = self.posted(snapshot.id)
        run = self.answers.begin(snapshot.id, rank, (known.channel, known.ts) if known else None)
        if run is not None:
            self._answering[snapshot.id] = run
        return run

    def end_answer(self, run: AnswerRun) -> None:
        self._answering.pop(run.incident, None)
        self.answers.done(run)

    def post(self, thread: str, result: Any) -> None:
        """The agent's answer about `incident-<id>` (or `incident-<id>/<policy>`), in its thread."""
        incident = thread.removeprefix("incident-").split("/", 1)[0]
        known = self.posted(incident)
        if known is None or self.assistant is None:
            log.warning("[%s] %s", thread, result.reply)
            return
        meta = None
        run = self._answering.get(incident) if thread == f"incident-{incident}" else None
        if run is not None:
            key, meta = run.next_post()
            if meta is None:
                log.info("[%s] answer %s is already in the thread (a run cut short); not posted again", thread, key)
                return
        self.assistant.post_result(known.channel, known.ts, result, metadata=meta)

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
