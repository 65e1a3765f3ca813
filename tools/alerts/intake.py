"""The receiver's storm path: acknowledge after a group commit, correlate in the background.

`AlertPipeline.receive` does everything per payload in the request (store with its own fsync,
correlate, rebuild the touched incidents' snapshots and evidence): 2.1 ms a payload at 2k alerts
in an incident, 22.6 ms at 16k. Here the request only waits for durability:

- a writer thread takes every payload waiting (up to `max_batch`), stores them in one transaction
  with one fsync, and then answers each request (nothing is acknowledged before its commit);
- a correlator thread ingests the stored alerts in commit order (what a replay after a restart
  does too) and marks the incidents they touch;
- an incident never announced before, or only as noise (which channels do not post), is
  snapshotted, saved and announced (`on_incident`) as soon as its alerts are correlated: its
  first post is what people wait for. Bounded: at most
  `max_first_posts` a batch, and first posts take at most a third of the correlator's time
  (FIRST_POST_SHARE, over windows of one update interval); in a storm of new incidents the rest
  go with the next debounced update;
- every other touched incident is re-snapshotted, saved and announced at most every
  `update_interval_s`, or twice as long as the last update took, whichever is longer: an
  incident of 16k alerts is rebuilt a few times a second, not 1,000, and rebuilding never takes
  more than a third of the time. A snapshot reads the incident's digest (digest.py), kept up
  to date alert by alert: 0.3 ms for an incident of 20k alerts of one service, instead of the
  174 ms of rebuilding it from its members.

Memory is bounded: at most `max_waiting` payloads wait for the writer (beyond that `accept`
raises `Busy`, a 503 that Alertmanager retries) and at most `max_waiting` batches wait for the
correlator (the writer then waits: acknowledging slows down instead of memory growing).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.payloads import parse_webhook

if TYPE_CHECKING:
    from opsgraph.tools.alerts.pipeline import AlertPipeline

log = logging.getLogger(__name__)


class Busy(Exception):
    """Too many payloads are waiting to be stored; try again (HTTP 503)."""


@dataclass(frozen=True)
class Accepted:
    payload_id: int
    alerts: int
    seconds: float  # from accept() to committed


_STOP = object()
FIRST_POST_SHARE = 1 / 3  # of the correlator's time; debounced rebuilds take at most another third
MIN_WINDOW_S = 0.1


class Intake:
    def __init__(
        self,
        pipeline: AlertPipeline,
        *,
        update_interval_s: float = 0.25,
        max_waiting: int = 10_000,
        max_batch: int = 512,
        max_first_posts: int = 16,
    ) -> None:
        self.pipeline = pipeline
        self.update_interval_s = update_interval_s
        self.max_first_posts = max_first_posts
        self.max_batch = max_batch
        self._inbox: queue.Queue[Any] = queue.Queue(maxsize=max_waiting)
        self._stored: queue.Queue[Any] = queue.Queue(maxsize=max_waiting)
        self._idle = threading.Condition()
        self._in_flight = 0
        # Seconds from acceptance to the incident update that included each alert (a bounded sample).
        self.update_lags: deque[float] = deque(maxlen=100_000)
        # Seconds from acceptance to the commit that made each payload durable (a bounded sample).
        self.commit_lags: deque[float] = deque(maxlen=100_000)
        self.commits = 0
        self._threads = [
            threading.Thread(target=self._write_loop, name="alerts-writer", daemon=True),
            threading.Thread(target=self._correlate_loop, name="alerts-correlator", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # -- the request side ------------------------------------------------------------------------
    def accept(self, document: Any, body: str) -> Future[Accepted]:
        """Validate now (PayloadError), store soon; the future resolves once committed."""
        _, alerts = parse_webhook(document)
        done: Future[Accepted] = Future()
        with self._idle:
            self._in_flight += 1
        try:
            self._inbox.put_nowait((body, alerts, time.monotonic(), done))
        except queue.Full:
            self._settled(1)
            raise Busy(f"{self._inbox.maxsize} payloads are waiting to be stored; retry shortly") from None
        return done

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything accepted is stored, correlated and its incidents updated."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def close(self) -> None:
        self._inbox.put(_STOP)
        for thread in self._threads:
            thread.join(timeout=30)

    # -- the writer: group commit ----------------------------------------------------------------
    def _write_loop(self) -> None:
        while True:
            first = self._inbox.get()
            if first is _STOP:
                self._stored.put(_STOP)
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._inbox.put(_STOP)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[Any]) -> None:
        try:
            ids = self.pipeline.store.append_many([(body, alerts) for body, alerts, _, _ in batch])
        except Exception as exc:  # nothing of this batch is acknowledged: each request gets the error
            for *_, done in batch:
                done.set_exception(exc)
            self._settled(len(batch))
            return
        self.commits += 1
        now = time.monotonic()
        for payload_id, (_, alerts, accepted_at, done) in zip(ids, batch, strict=True):
            done.set_result(Accepted(payload_id, len(alerts), now - accepted_at))
            self.commit_lags.append(now - accepted_at)
        self._stored.put([(alerts, accepted_at) for _, alerts, accepted_at, _ in batch])

    # -- the correlator: ingest, first posts at once, then debounced incident updates -------------
    def _correlate_loop(self) -> None:
        dirty: set[int] = set()
        waiting: list[float] = []  # acceptance times of alerts not yet in an incident update
        next_update = time.monotonic() + self.update_interval_s
        settled_since = 0
        budget = _FirstPostBudget(self.update_interval_s)
        while True:
            timeout = max(0.0, next_update - time.monotonic()) if dirty else None
            try:
                item = self._stored.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._update(dirty, waiting, settled_since)
                return
            if item is not None:
                alerts: list[Alert] = [a for payload, _ in item for a in payload]
                accepted = [at for payload, at in item for _ in payload] or [at for _, at in item]
                touched: set[int] = set()
                try:
                    touched = self.pipeline.correlate(alerts)
                except Exception:  # stored already: a replay after a restart will retry it
                    log.exception("correlating %d stored alerts failed", len(alerts))
                touched -= self._first_posts(touched, budget)
                if touched:
                    dirty |= touched
                    waiting += accepted
                    settled_since += len(item)
                else:  # every incident these alerts touched is up to date already
                    self._record(accepted, len(item))
            if time.monotonic() >= next_update or (not dirty and settled_since):
                began = time.monotonic()
                self._update(dirty, waiting, settled_since)
                dirty, waiting, settled_since = set(), [], 0
                # A rebuild of a huge incident takes a while; updates then come less often, so that
                # rebuilding never takes more than a third of the time (acks keep their share).
                spent = time.monotonic() - began
                next_update = time.monotonic() + max(self.update_interval_s, 2 * spent)

    def _first_posts(self, touched: set[int], budget: _FirstPostBudget) -> set[int]:
        """Announce the never-announced incidents among `touched` now (bounded: at most
        `max_first_posts` a batch, within the budget); the numbers now up to date."""
        if not touched or self.max_first_posts <= 0 or not budget.available():
            return set()
        began = time.monotonic()
        try:
            return self.pipeline.publish_first(touched, self.max_first_posts)
        except Exception:  # left dirty: the next debounced update retries them
            log.exception("announcing new incidents failed")
            return set()
        finally:
            budget.spend(time.monotonic() - began)

    def _update(self, dirty: set[int], waiting: list[float], settled: int) -> None:
        try:
            if dirty:
                self.pipeline.publish(dirty)
        except Exception:
            log.exception("updating %d incidents failed", len(dirty))
        self._record(waiting, settled)

    def _record(self, accepted: list[float], settled: int) -> None:
        now = time.monotonic()
        self.update_lags.extend(now - at for at in accepted)
        self._settled(settled)

    def _settled(self, count: int) -> None:
        if not count:
            return
        with self._idle:
            self._in_flight -= count
            if self._in_flight == 0:
                self._idle.notify_all()


class _FirstPostBudget:
    """First posts may take at most FIRST_POST_SHARE of the correlator's time, counted over
    windows of one update interval: in a storm of new incidents the rest wait for the next
    debounced update (which coalesces them) instead of crowding out ingesting and updating."""

    def __init__(self, window_s: float) -> None:
        self.window_s = max(window_s, MIN_WINDOW_S)
        self._window_end = 0.0
        self._spent = 0.0

    def available(self) -> bool:
        now = time.monotonic()
        if now >= self._window_end:
            self._window_end, self._spent = now + self.window_s, 0.0
        return self._spent < FIRST_POST_SHARE * self.window_s

    def spend(self, seconds: float) -> None:
        self._spent += seconds
