"""The streaming correlator: alerts arrive one by one and join incidents.

Per alert the work is a handful of dict lookups plus one per related topology entity (O(degree)):
- known fingerprint: a re-sent firing alert is a duplicate; a resolve closes it; a re-fire shortly
  after a resolve goes back to its incident (flapping after `flap_threshold` re-fires), never to a
  new one.
- new alert: resolve its entity, then join an active incident that touched, within `window_s`,
  (1) the entity, its service or node, or an entity within two dependency hops; else (2) the same
  service/job/app/instance label; else, for an alert the topology cannot place, (3) the largest
  incident opened within `onset_s` of it. Direct topology links between two active incidents merge
  them. Incidents older than `max_age_s` take no new alerts (a long incident must not become a net
  for every later alert nearby).
- low-value alerts (silenced, inhibited, severity info/none) join incidents but never open one
  that counts, keep one open or extend its reach: an incident made only of them is `noise`.
An incident stops accepting alerts after `window_s` without news; it is then recorded in the
baseline (with the patterns several instances of one service show together, see patterns.py) so
later incidents learn which alerts are chronic. Resolved incidents are forgotten
after `retention_s` (the store keeps them), so a long-running receiver's memory stays bounded.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.entities import Entity, EntityResolver
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.patterns import incident_keys
from opsgraph.tools.alerts.related import RelatedIndex
from opsgraph.tools.alerts.signals import signal
from opsgraph.tools.alerts.topology import EMPTY, Topology

if TYPE_CHECKING:
    from opsgraph.tools.alerts.digest import IncidentDigest

LABEL_KEYS = ("service", "app", "job", "instance", "deployment")
RECENT_LIMIT = 64


@dataclass(slots=True)
class AlertState:
    """What the correlator remembers about one fingerprint (mutable, internal)."""

    alert: Alert
    entity: Entity
    family: str
    category: str
    incident: int
    first_at: float
    firing: bool = True
    low_value: bool = False
    resolved_at: float | None = None
    refires: int = 0
    flapping: bool = False


@dataclass(slots=True)
class IncidentState:
    number: int
    id: str
    opened_at: float
    last_at: float
    members: list[AlertState] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    firing: int = 0
    meaningful: int = 0
    active: bool = True
    recorded: bool = False  # in the baseline already (ranking must not count it as history)
    absorbed: list[int] = field(default_factory=list)  # numbers of incidents merged into this one
    version: int = 0
    # Snapshot inputs kept up to date alert by alert, from its first snapshot on (digest.py);
    # None: the next snapshot builds it from the members.
    digest: IncidentDigest | None = None

    @property
    def noise(self) -> bool:
        return self.meaningful == 0


@dataclass(slots=True)
class Stats:
    raw: int = 0
    duplicates: int = 0
    resolves: int = 0
    refires: int = 0
    flapping: int = 0
    low_value: int = 0
    new_alerts: int = 0

    @property
    def noise_reduced(self) -> int:
        """Alerts left after dedup, lifecycle updates, flapping re-fires and low-value alerts."""
        return self.new_alerts - self.low_value


class Correlator:
    def __init__(
        self,
        topology: Topology = EMPTY,
        *,
        baseline: AlertBaseline | None = None,
        resolver: EntityResolver | None = None,
        window_s: float = 300.0,
        onset_s: float = 60.0,
        flap_window_s: float = 3600.0,
        flap_threshold: int = 2,
        max_age_s: float = 600.0,
        retention_s: float = 86400.0,
        merge: bool = True,
    ) -> None:
        self.topology = topology
        self.baseline = baseline if baseline is not None else AlertBaseline()
        self.resolver = resolver if resolver is not None else EntityResolver(topology)
        self.related = RelatedIndex(topology)
        self.window_s = window_s
        self.onset_s = onset_s
        self.flap_window_s = flap_window_s
        self.flap_threshold = flap_threshold
        self.merge = merge
        self.max_age_s = max_age_s
        self.retention_s = retention_s
        self.stats = Stats()
        self.merged: list[str] = []  # ids of incidents absorbed by a merge (callers may drain it)
        self._alerts: dict[str, AlertState] = {}
        self._incidents: dict[int, IncidentState] = {}
        self._parent: dict[int, int] = {}
        self._anchors: dict[str, tuple[int, float]] = {}
        self._labels: dict[str, tuple[int, float]] = {}
        self._recent: deque[IncidentState] = deque(maxlen=RECENT_LIMIT)  # opened lately, oldest first
        self._quiet_heap: list[tuple[float, int, bool]] = []  # (due, incident, forget?)
        self.forgotten = 0
        self._next_number = 0
        self._now = float("-inf")

    # -- incidents -----------------------------------------------------------------------
    def _find(self, number: int) -> int:
        parent = self._parent
        root = parent[number]
        if root == number:
            return root
        while parent[root] != root:
            root = parent[root]
        while parent[number] != root:
            parent[number], number = root, parent[number]
        return root

    def incident(self, number: int) -> IncidentState:
        return self._incidents[self._find(number)]

    def incidents(self) -> list[IncidentState]:
        return [inc for n, inc in self._incidents.items() if self._parent[n] == n]

    def _open(self, alert: Alert, at: float) -> IncidentState:
        number = self._next_number
        self._next_number += 1
        digest = hashlib.sha1(f"{alert.fingerprint}@{at:.3f}".encode()).hexdigest()[:10]
        inc = IncidentState(number=number, id=f"inc-{digest}", opened_at=at, last_at=at)
        self._incidents[number] = inc
        self._parent[number] = number
        self._recent.append(inc)
        heapq.heappush(self._quiet_heap, (at + self.window_s, number, False))
        return inc

    def _merge(self, keep: IncidentState, other: IncidentState) -> IncidentState:
        if len(other.members) > len(keep.members):
            keep, other = other, keep
        self._parent[other.number] = keep.number
        keep.absorbed += [other.number, *other.absorbed]
        del self._incidents[other.number]
        self.merged.append(other.id)
        keep.members.extend(other.members)
        keep.events.extend(other.events)
        keep.firing += other.firing
        keep.meaningful += other.meaningful
        keep.opened_at = min(keep.opened_at, other.opened_at)
        keep.last_at = max(keep.last_at, other.last_at)
        for member in other.members:
            member.incident = keep.number
        if keep.digest is not None and other.digest is not None:
            keep.digest.absorb(other.digest)
        else:
            keep.digest = None
        other.digest = None
        keep.version += 1
        return keep

    def _expire(self, now: float) -> None:
        """Quiet incidents without news for `window_s`; forget resolved ones after `retention_s`
        (the store keeps everything; this bounds the memory of a long-running receiver)."""
        heap = self._quiet_heap
        while heap and heap[0][0] < now:
            _, number, forget = heapq.heappop(heap)
            inc = self._incidents.get(number)
            if inc is None:
                continue  # merged into another, or forgotten
            if forget:
                if inc.firing > 0 or inc.active or inc.last_at + self.retention_s >= now:
                    heapq.heappush(heap, (now + self.retention_s, number, True))
                else:
                    self._forget(inc)
                continue
            if not inc.active:
                continue
            if inc.last_at + self.window_s >= now:
                heapq.heappush(heap, (inc.last_at + self.window_s, number, False))
                continue
            self._quiet(inc)
            heapq.heappush(heap, (inc.last_at + self.retention_s, number, True))

    def _forget(self, inc: IncidentState) -> None:
        for member in inc.members:
            if self._alerts.get(member.alert.fingerprint) is member:
                del self._alerts[member.alert.fingerprint]
        for number in (inc.number, *inc.absorbed):
            self._parent.pop(number, None)
        del self._incidents[inc.number]
        self.forgotten += 1

    def _quiet(self, inc: IncidentState) -> None:
        inc.active = False
        if not inc.recorded:
            inc.recorded = True
            self.baseline.record(incident_keys(inc.members), inc.opened_at)

    def flush(self) -> None:
        """End of input: every incident stops accepting alerts and is recorded in the baseline."""
        for inc in sorted(self.incidents(), key=lambda i: i.opened_at):
            if inc.active:
                self._quiet(inc)
        self._quiet_heap.clear()

    # -- ingest --------------------------------------------------------------------------
    def ingest_many(self, alerts: Iterable[Alert], start_index: int = 0) -> None:
        for offset, alert in enumerate(alerts):
            self.ingest(alert, start_index + offset)

    def ingest(self, alert: Alert, index: int | None = None) -> IncidentState:
        """Take one alert notification; return the incident it belongs to now."""
        stats = self.stats
        stats.raw += 1
        resolved = alert.status == "resolved"
        at = alert.ends_at if resolved and alert.ends_at is not None else alert.starts_at
        if at > self._now:
            self._now = at
            heap = self._quiet_heap
            if heap and heap[0][0] < at:
                self._expire(at)
        state = self._alerts.get(alert.fingerprint)
        if state is not None:
            inc = self._incidents[self._find(state.incident)]
            if state.firing and not resolved:  # the common case: Alertmanager re-sending
                stats.duplicates += 1
            elif not self._known(state, inc, alert, at):
                return self._new(alert, at, index)
            if index is not None:
                inc.events.append(index)
            return inc
        return self._new(alert, at, index)

    def _known(self, state: AlertState, inc: IncidentState, alert: Alert, at: float) -> bool:
        """A resolve, a repeated resolve, or a re-fire of a known alert; False when the re-fire is
        a new occurrence (long after it resolved, its incident over)."""
        if alert.status == "resolved":
            if state.firing:
                state.firing = False
                state.resolved_at = at
                self._replace(state, inc, alert)
                inc.firing -= 1
                inc.version += 1
                self.stats.resolves += 1
            else:
                self.stats.duplicates += 1
            return True
        if state.resolved_at is not None and at - state.resolved_at > self.flap_window_s and not inc.active:
            return False
        state.firing = True
        self._replace(state, inc, alert)
        state.refires += 1
        inc.firing += 1
        inc.version += 1
        self.stats.refires += 1
        if state.refires >= self.flap_threshold and not state.flapping:
            state.flapping = True
            self.stats.flapping += 1
            if inc.digest is not None:
                inc.digest.flap(state)
        return True

    @staticmethod
    def _replace(state: AlertState, inc: IncidentState, alert: Alert) -> None:
        """The alert's latest notification. Same labels (Alertmanager's fingerprint is their
        hash): the incident's digest holds. A sender that sets fingerprints itself may change
        them: names and severity may change, so the digest is rebuilt at the next snapshot."""
        if inc.digest is not None and alert.labels != state.alert.labels:
            inc.digest = None
        state.alert = alert

    def _candidates(self, entity: Entity, at: float) -> Iterator[tuple[int, IncidentState]]:
        """(tier, incident) for the active incidents this entity links to. Past `max_age_s` an
        incident takes no new alerts (its own keep flowing: re-sends, resolves, re-fires), so a
        long incident cannot turn into a net for every later alert in its neighbourhood."""
        anchors = self._anchors
        window, max_age = self.window_s, self.max_age_s
        for tier, names in ((0, self.related.direct(entity)), (1, self.related.near(entity))):
            for name in names:
                hit = anchors.get(name)
                if hit is None or at - hit[1] > window:
                    continue
                inc = self._incidents[self._find(hit[0])]
                if inc.active and at - inc.opened_at <= max_age:
                    yield tier, inc

    def _new(self, alert: Alert, at: float, index: int | None) -> IncidentState:
        entity = self.resolver.resolve(alert.labels)
        family, category = signal(alert.labels)
        low_value = alert.suppressed or alert.severity in ("info", "none")
        stats = self.stats
        stats.new_alerts += 1
        if low_value:
            stats.low_value += 1
        target: IncidentState | None = None
        for tier, inc in self._candidates(entity, at):
            if target is None:
                target = inc
            elif inc is not target and tier == 0 and self.merge:
                target = self._merge(target, inc)
        if target is None:
            target = self._by_labels(alert, at)
        if target is None and not self.related.placed(entity):
            target = self._by_onset(at)
        if target is None:
            target = self._open(alert, at)
        state = AlertState(alert, entity, family, category, target.number, at, alert.status == "firing", low_value)
        if alert.status == "resolved":
            state.resolved_at = at
        self._alerts[alert.fingerprint] = state
        target.members.append(state)
        if target.digest is not None:
            target.digest.add(state)
        if index is not None:
            target.events.append(index)
        if state.firing:
            target.firing += 1
        if not low_value:
            target.meaningful += 1
        target.version += 1
        if low_value:
            return target  # context only: it neither keeps the incident open nor extends its reach
        target.last_at = max(target.last_at, at)
        target.active = True
        stamp = (target.number, at)
        for name in self.related.anchors(entity):
            self._anchors[name] = stamp
        for key in LABEL_KEYS:
            value = alert.labels.get(key)
            if value:
                self._labels[f"{key}={value}"] = stamp
        return target

    def _by_onset(self, at: float) -> IncidentState | None:
        """The largest active incident that opened within `onset_s` of `at` (bounded scan)."""
        recent = self._recent
        while recent and at - recent[0].opened_at > self.onset_s:
            recent.popleft()
        best: IncidentState | None = None
        for inc in recent:
            root = self._incidents[self._find(inc.number)]
            fits = root.active and abs(at - inc.opened_at) <= self.onset_s
            if fits and (best is None or len(root.members) > len(best.members)):
                best = root
        return best

    def _by_labels(self, alert: Alert, at: float) -> IncidentState | None:
        for key in LABEL_KEYS:
            value = alert.labels.get(key)
            if not value:
                continue
            hit = self._labels.get(f"{key}={value}")
            if hit is not None and at - hit[1] <= self.window_s:
                inc = self._incidents[self._find(hit[0])]
                if inc.active and at - inc.opened_at <= self.max_age_s:
                    return inc
        return None

    def incident_of(self, fingerprint: str) -> IncidentState | None:
        """The incident an alert (by fingerprint) belongs to now, if the correlator has seen it."""
        state = self._alerts.get(fingerprint)
        return None if state is None else self._incidents[self._find(state.incident)]

    def firing(self) -> list[AlertState]:
        return [s for s in self._alerts.values() if s.firing]
