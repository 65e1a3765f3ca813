"""Several `opsgraph serve` replicas on one PostgreSQL database: one incident stream.

Every replica accepts and stores webhooks as before (the request waits for the commit only). The
stored payloads are one stream, ordered by id (appends take turns, so ids commit in the order
they are issued: tools.alerts.store). Then:

- every replica follows the stream in id order and correlates all of it, whoever received each
  payload: correlation is deterministic in the stream, so every replica holds the same incidents
  under the same ids (`incident_show` answers the same on any replica, the Slack sweep edits
  with current counts);
- one replica, the leader, also saves snapshots and announces incidents (`on_incident`: the
  Slack post, the agent's answer). Leadership is a PostgreSQL advisory lock held on a session of
  its own: when the leader dies its connection drops, the server frees the lock, and another
  replica takes it at its next try (every `lead_retry_s`);
- a new leader announces only what was not announced yet: each announcement is recorded with
  the incident (`announced`, the alert count) after it returned. An announcement cut short by the
  old leader's death is made again; the Slack poster makes that safe: it claims an incident's
  post on a unique key before posting ("announcing"), posts with message metadata naming the
  incident, and a claim found unconfirmed is resolved by looking the metadata up in the channel's
  history (adopt the message Slack accepted, or post it if Slack has none), likewise the agent's
  answers in the thread (channels.slack.incidents, channels.slack.incident_answers).

Why not route alerts to the leader? A follower would have to forward what it acknowledged, and
an alert acknowledged but not yet forwarded would die with it; here the database is the only
hand-over, and it was committed before the answer. A new incident is published as soon as the
leader reads it (NOTIFY wakes it); updates of known incidents at most every `update_interval_s`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from opsgraph.core.db import DatabaseError
from opsgraph.tools.alerts.payloads import PayloadError, parse_webhook
from opsgraph.tools.alerts.pipeline import AlertPipeline, Received
from opsgraph.tools.alerts.store import NOTIFY_CHANNEL

if TYPE_CHECKING:
    from opsgraph.core.db import Listener, SessionLock
    from opsgraph.tools.alerts.intake import Intake

log = logging.getLogger(__name__)

LEADER_LOCK = "opsgraph:alerts:correlator"


class SharedPipeline(AlertPipeline):
    """`AlertPipeline` for a store on PostgreSQL (`AlertPipeline.open` picks it)."""

    batch = 500  # payloads read per step: a long catch-up never holds the lock for long
    poll_s = 1.0  # read the stream at least this often (a NOTIFY may be missed on a reconnect)
    lead_retry_s = 0.5  # a follower tries to take the lead this often
    update_interval_s = 0.25

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_id = 0  # the last payload correlated
        self.leader = False
        self._lead: SessionLock | None = None
        self._listener: Listener | None = None
        self._dirty: set[int] = set()
        self._fresh = False  # a touched incident was never announced: publish now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._step_lock = threading.Lock()

    # -- replaying and following the stream ---------------------------------------------------
    def replay(self) -> int:
        """Correlate everything stored (no saves, no announcements: the leader does those)."""
        count = 0
        while True:
            read = self._read()
            count += read
            if read < self.batch:
                break
        with self._lock:
            self._dirty.clear()
            self._fresh = False
            self.correlator.merged.clear()
        return count

    def _read(self) -> int:
        """Correlate the next stored payloads in id order; how many were read."""
        rows = list(self.store.payloads(after=self.last_id, limit=self.batch))
        with self._lock:
            for row_id, received_at, body in rows:
                self.last_id = row_id
                try:
                    _, alerts = parse_webhook(json.loads(body), now=received_at)
                except (PayloadError, ValueError) as exc:  # stored bodies were valid when accepted
                    log.error("stored payload %d no longer parses, skipped: %s", row_id, exc)
                    continue
                touched = self._ingest(alerts)
                self._dirty |= touched
                if not self._fresh:
                    self._fresh = any(self._unannounced(n) for n in touched)
        return len(rows)

    def _unannounced(self, number: int) -> bool:
        try:
            return self.correlator.incident(number).id not in self._notified
        except KeyError:
            return False

    def step(self) -> int:
        """Read what is new; as the leader, publish it (new incidents at once, updates at most
        every `update_interval_s`). Returns the payloads read."""
        with self._step_lock:
            read = self._read()
            if self.leader:
                self._publish_due()
            return read

    _next_publish = 0.0

    def _publish_due(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self._dirty or not (force or self._fresh or now >= self._next_publish):
            return
        with self._lock:
            touched, self._dirty, self._fresh = self._dirty, set(), False
            _, news = self._publish_locked(touched)
        for snap in news:
            self._notify(snap)
        if news:
            self.store.mark_announced(news)
        self._next_publish = now + self.update_interval_s

    # -- leadership ---------------------------------------------------------------------------
    def try_lead(self) -> bool:
        """Take the lead if nobody holds it; True when this replica leads (now or already)."""
        if self.leader:
            return True
        lock = self.store.db.session_lock(LEADER_LOCK)
        if not lock.acquire(wait=False):
            return False
        with self._step_lock:
            self._lead, self.leader = lock, True
            self._read()
            with self._lock:
                # What the previous leader announced is not announced again; every live incident
                # is checked against it (an announcement cut short by its death is made now).
                self._notified = self.store.announced()
                self._dirty |= {inc.number for inc in self.correlator.incidents()}
            self._publish_due(force=True)
        log.warning("this replica now correlates and announces incidents (leader after payload %d)", self.last_id)
        return True

    def _still_leading(self) -> bool:
        if self._lead is not None and self._lead.held():
            return True
        self.leader, self._lead = False, None
        log.warning("lost the correlator lead (its database session dropped); following again")
        return False

    def start(self) -> None:
        """Follow the stream on a thread of its own, taking the lead when it is free."""
        if self._thread is not None:
            return
        self._listener = self.store.db.listener(NOTIFY_CHANNEL)
        self._thread = threading.Thread(target=self._run, name="alerts-stream", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        next_try = next_check = 0.0
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if not self.leader and now >= next_try:
                    next_try = now + self.lead_retry_s
                    self.try_lead()
                elif self.leader and now >= next_check:
                    next_check = now + 5.0
                    self._still_leading()
                if self.step() == self.batch:
                    continue  # more to read
            except DatabaseError as exc:
                log.error("following the alert stream failed (retrying): %s", exc)
            except Exception:
                log.exception("following the alert stream failed (retrying)")
            wait = self.poll_s
            if self.leader and self._dirty:
                wait = min(wait, max(0.0, self._next_publish - time.monotonic()))
            if not self.leader:
                wait = min(wait, max(0.0, next_try - time.monotonic()))
            assert self._listener is not None
            self._listener.wait(wait)

    # -- the AlertPipeline interface ----------------------------------------------------------
    def intake(self, **options: Any) -> Intake:
        """The storm path stores; this pipeline's stream thread correlates (started here)."""
        self.start()
        return super().intake(**options)

    def correlate(self, alerts: list[Any]) -> set[int]:
        return set()  # the intake's own alerts arrive through the stream, with everyone else's

    def publish(self, touched: set[int]) -> None:
        return None  # the stream thread publishes, on the leader only

    def publish_first(self, touched: set[int], limit: int) -> set[int]:
        return set()  # likewise: new incidents are published as soon as the leader reads them

    def receive(self, document: Any, body: str) -> Received:
        """Store (PayloadError if bad), then follow the stream up to it; as the leader, publish."""
        start = time.perf_counter()
        _, alerts = parse_webhook(document)
        payload_id = self.store.append(body, alerts)
        while self.last_id < payload_id and self.step() > 0:
            pass
        with self._lock:
            found = [self.correlator.incident_of(a.fingerprint) for a in alerts]
        incidents = tuple(sorted({inc.id for inc in found if inc is not None}))
        return Received(payload_id, len(alerts), incidents, time.perf_counter() - start)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._listener is not None:
            self._listener.close()
        if self._lead is not None:
            self._lead.release()
        self.leader = False
        super().close()
