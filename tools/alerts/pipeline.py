"""Receive -> store -> correlate, the path every webhook takes (framework free: the ASGI app in
channels/webhooks only turns HTTP into `receive` calls and results into responses).

A payload is validated, then committed to the store, and only then correlated: once `receive`
returns, the payload survives a crash, and a restart (`AlertPipeline.open`) replays the store to
rebuild the same incidents. `on_incident(snapshot)` is called (outside the lock, errors logged and
swallowed) when an incident opens or gains alerts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsgraph.core.db import Target
from opsgraph.tools.alerts.correlator import Correlator, IncidentState
from opsgraph.tools.alerts.incidents import IncidentSnapshot, snapshot
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.payloads import PayloadError, parse_webhook
from opsgraph.tools.alerts.store import AlertStore
from opsgraph.tools.alerts.topology import EMPTY, Topology

if TYPE_CHECKING:
    from opsgraph.tools.alerts.intake import Intake

log = logging.getLogger(__name__)

IncidentCallback = Callable[[IncidentSnapshot], None]


@dataclass(frozen=True)
class Received:
    payload_id: int
    alerts: int
    incidents: tuple[str, ...]
    seconds: float


class AlertPipeline:
    def __init__(
        self, store: AlertStore, topology: Topology = EMPTY, on_incident: IncidentCallback | None = None
    ) -> None:
        self.store = store
        self.topology = topology
        self.on_incident = on_incident
        self.correlator = Correlator(topology)
        self._lock = threading.Lock()
        self._notified: dict[str, int] = {}
        self._noise_only: set[str] = set()  # announced, but only as noise (which channels do not post)
        self._sequence = 0

    @classmethod
    def open(
        cls, path: Target, topology: Topology = EMPTY, on_incident: IncidentCallback | None = None
    ) -> AlertPipeline:
        """Open (or create) the store at `path` and rebuild incidents from what it holds. On
        PostgreSQL (several replicas) the pipeline follows the one shared stream (tools.alerts.shared)."""
        store = AlertStore(path)
        kind = cls
        if store.db.dialect == "postgresql" and cls is AlertPipeline:
            from opsgraph.tools.alerts.shared import SharedPipeline

            kind = SharedPipeline
        pipeline = kind(store, topology, on_incident)
        pipeline.replay()
        return pipeline

    def replay(self) -> int:
        """Feed every stored payload through the correlator again (no callbacks); returns the count."""
        count = 0
        with self._lock:
            for _, received_at, body in self.store.payloads():
                try:
                    _, alerts = parse_webhook(json.loads(body), now=received_at)
                except (PayloadError, ValueError) as exc:  # stored bodies were valid when accepted
                    log.error("stored payload no longer parses, skipped: %s", exc)
                    continue
                self._ingest(alerts)
                count += 1
            snaps = [self._snapshot(i) for i in self.correlator.incidents()]
            for snap in snaps:
                self._notified[snap.id] = snap.alert_count
                if snap.noise:
                    self._noise_only.add(snap.id)
            self.store.save_incidents(snaps)
            self.correlator.merged.clear()
        return count

    def _ingest(self, alerts: list[Alert]) -> set[int]:
        touched: set[int] = set()
        for alert in sorted(alerts, key=lambda a: a.event_time):
            touched.add(self.correlator.ingest(alert, self._sequence).number)
            self._sequence += 1
        return touched

    def _snapshot(self, inc: IncidentState) -> IncidentSnapshot:
        return snapshot(inc, self.topology, self.correlator.baseline)

    def receive(self, document: Any, body: str) -> Received:
        """Validate (PayloadError if bad), store durably, correlate; returns what happened. All in
        the caller's thread (the CLI, tests); the HTTP receiver uses `intake()` instead."""
        start = time.perf_counter()
        _, alerts = parse_webhook(document)
        with self._lock:
            payload_id = self.store.append(body, alerts)
            touched = self._ingest(alerts)
            snaps, news = self._publish_locked(touched)
        for snap in news:
            self._notify(snap)
        return Received(payload_id, len(alerts), tuple(s.id for s in snaps), time.perf_counter() - start)

    def intake(self, **options: Any) -> Intake:
        """The storm path: acknowledge after a group commit, correlate in the background."""
        from opsgraph.tools.alerts.intake import Intake

        return Intake(self, **options)

    def correlate(self, alerts: list[Alert]) -> set[int]:
        """Ingest stored alerts; the numbers of the incidents they touched (see `publish`)."""
        with self._lock:
            return self._ingest(alerts)

    def publish(self, touched: set[int]) -> None:
        """Snapshot, save and announce the incidents `correlate` touched."""
        with self._lock:
            _, news = self._publish_locked(touched)
        for snap in news:
            self._notify(snap)

    def publish_first(self, touched: set[int], limit: int) -> set[int]:
        """Snapshot, save and announce at once (at most `limit` of them) the incidents among
        `touched` that were never announced, or only as noise and are not any more: their first
        post is what people wait for. Returns the numbers in `touched` whose incident is now up
        to date (the rest await `publish`)."""
        with self._lock:
            firsts: dict[str, set[int]] = {}
            for number in sorted(touched):
                try:
                    inc = self.correlator.incident(number)
                except KeyError:
                    continue
                first = inc.id not in self._notified or (inc.id in self._noise_only and not inc.noise)
                if first and (inc.id in firsts or len(firsts) < limit):
                    firsts.setdefault(inc.id, set()).add(number)
            done = set().union(*firsts.values()) if firsts else set()
            _, news = self._publish_locked(done) if done else ([], [])
        for snap in news:
            self._notify(snap)
        return done

    def _publish_locked(self, touched: set[int]) -> tuple[list[IncidentSnapshot], list[IncidentSnapshot]]:
        current: dict[str, IncidentState] = {}
        for number in sorted(touched):
            try:
                inc = self.correlator.incident(number)  # merged: its survivor
            except KeyError:  # forgotten (expired) since it was touched
                continue
            current[inc.id] = inc
        snaps = [self._snapshot(inc) for inc in current.values()]
        self.store.save_incidents(snaps)
        if self.correlator.merged:
            self.store.drop_incidents(self.correlator.merged)
            self.correlator.merged.clear()
        news = [s for s in snaps if s.alert_count > self._notified.get(s.id, 0)]
        for snap in news:
            self._notified[snap.id] = snap.alert_count
            if snap.noise:
                self._noise_only.add(snap.id)
            else:
                self._noise_only.discard(snap.id)
        return snaps, news

    def _notify(self, snap: IncidentSnapshot) -> None:
        if self.on_incident is None:
            return
        try:
            self.on_incident(snap)
        except Exception:  # the callback's failure must never cost an acknowledged alert
            log.exception("on_incident callback failed for %s", snap.id)

    def snapshots(self) -> list[IncidentSnapshot]:
        with self._lock:
            return [self._snapshot(i) for i in self.correlator.incidents()]

    def open_incidents(self) -> int:
        with self._lock:
            return sum(1 for i in self.correlator.incidents() if i.firing > 0 and not i.noise)

    def close(self) -> None:
        self.store.close()
