"""What one incident's evidence is made of, kept up to date alert by alert.

`evidence.weigh` turns this into weights; everything it needs from the incident's members is
here: per entity its kind, service, host, onset and signal families (first time, category, name,
how many of its alerts are meaningful), which services (or entities) show each family, and the
per-service patterns (patterns.py). `Tally.of(members)` builds it in one pass (the full
recompute); `add` folds in one new member and `absorb` another incident's tally (a merge), in
the order a pass over `keep.members + other.members` sees them, so that weighing a kept tally
gives exactly what weighing a fresh one gives (tests/alerts/test_alert_incremental.py checks it
on random alert sequences). Cost: O(1) per alert, O(entities of the merged incident) per merge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsgraph.tools.alerts.correlator import AlertState


@dataclass(slots=True)
class SignalTally:
    category: str
    name: str  # of the first alert of this family on the entity
    first_at: float
    meaningful: int = 0  # its alerts that are not low-value (none: the signal is weighed down)


@dataclass(slots=True)
class EntityTally:
    kind: str  # kind, service and host as the entity's first alert resolved them
    service: str | None
    host: str | None
    onset: float
    seq: int  # first-seen order
    signals: dict[str, SignalTally] = field(default_factory=dict)  # family -> tally, first seen first
    services: set[str] = field(default_factory=set)  # every service its alerts named


@dataclass(slots=True)
class CallTally:
    """One anomalous call (caller label -> callee entity) named by trace alerts (callgraph.py)."""

    first_at: float
    families: set[str] = field(default_factory=set)


@dataclass(slots=True)
class PatternTally:
    """One (service, family): the instances showing it. Shared (a pattern) from two instances."""

    pods: set[str]
    first_at: float  # the earliest of those instances' own signal of the family
    min_pod: str  # the instance whose signal names the pattern


class Tally:
    def __init__(self) -> None:
        self.entities: dict[str, EntityTally] = {}  # first seen first
        self.groups: dict[str, set[str]] = {}  # family -> services (or entities) showing it
        self.patterns: dict[tuple[str, str], PatternTally] = {}  # (service, family), first seen first
        self.service_names: set[str] = set()  # services named by an entity's first alert
        self.calls: dict[tuple[str, str], CallTally] = {}  # (caller, callee): trace alerts with both
        self.t0 = math.inf
        # For pruned weighing (evidence.py), so that a snapshot re-checks only what changed:
        self.touched: set[str] = set()  # entities changed since the last pruned weighing
        self.epoch = 0  # bumped by a merge: everything is re-checked
        self.pruning: object | None = None  # evidence.py's cache of which entities weigh something
        self._hosted: dict[str, list[str]] = {}  # host -> entities on it
        self._named: dict[str, tuple[float, int]] = {}  # service -> (earliest onset, seq) of entities naming it
        self._chained = False  # an entity with a service was named as one before it came (`onsets`)
        self._seq = 0

    @classmethod
    def of(cls, members: Iterable[AlertState]) -> Tally:
        tally = cls()
        for member in members:
            tally.add(member)
        return tally

    def add(self, m: AlertState) -> None:
        e = m.entity
        caller = m.alert.labels.get("caller")
        if caller and m.alert.labels.get("callee"):
            # A call, not a signal of its callee: the call graph weighs it (callgraph.py).
            self._call((caller, e.id), m.first_at, {m.family})
            if m.first_at < self.t0:
                self.t0 = m.first_at
            return
        entity = self.entities.get(e.id)
        if entity is None:
            entity = self.entities[e.id] = EntityTally(e.kind, e.service, e.host, m.first_at, self._seq)
            self._seq += 1
            self._arrived(e.id, entity)
        elif m.first_at < entity.onset:
            entity.onset = m.first_at
            if entity.service:
                self._name(entity.service, entity)
        self.touched.add(e.id)
        sig = entity.signals.get(m.family)
        if sig is None:
            sig = entity.signals[m.family] = SignalTally(m.category, m.alert.name or m.family, m.first_at)
        elif m.first_at < sig.first_at:
            sig.first_at = m.first_at
        if not m.low_value:
            sig.meaningful += 1
        self.groups.setdefault(m.family, set()).add(e.service or e.id)
        if e.service:
            entity.services.add(e.service)
            key = (e.service, m.family)
            pattern = self.patterns.get(key)
            if pattern is None:
                self.patterns[key] = PatternTally({e.id}, sig.first_at, e.id)
            else:
                pattern.pods.add(e.id)
                if e.id < pattern.min_pod:
                    pattern.min_pod = e.id
        for service in entity.services:  # the signal's first time may have moved earlier
            pattern = self.patterns.get((service, m.family))
            if pattern is not None and e.id in pattern.pods and sig.first_at < pattern.first_at:
                pattern.first_at = sig.first_at
        if m.first_at < self.t0:
            self.t0 = m.first_at

    def call_families(self) -> set[str]:
        """The signal families of trace alerts that name a call (none without such alerts)."""
        return {family for call in self.calls.values() for family in call.families}

    def _call(self, key: tuple[str, str], at: float, families: set[str]) -> None:
        call = self.calls.get(key)
        if call is None:
            self.calls[key] = CallTally(at, set(families))
        else:
            call.first_at = min(call.first_at, at)
            call.families |= families

    def _arrived(self, name: str, entity: EntityTally) -> None:
        """A new entity: index it, and re-check what its arrival may bring to life."""
        self.touched.update(self._hosted.get(name, ()))  # a node's alert may move to its pods
        if entity.host:
            self._hosted.setdefault(entity.host, []).append(name)
        if entity.service and entity.service != name and name in self.service_names:
            self._chained = True  # something naming it came first: the pass lowers it before using it
        if entity.service:
            self._name(entity.service, entity)

    def _name(self, service: str, entity: EntityTally) -> None:
        named = self._named.get(service)
        if named is None:
            self._named[service] = (entity.onset, entity.seq)
            self.service_names.add(service)
        elif entity.onset < named[0]:
            self._named[service] = (entity.onset, named[1])

    def absorb(self, other: Tally) -> None:
        """Fold in a merged incident's tally (its members come after this one's); `other` is
        consumed (its objects are reused)."""
        for name, theirs in other.entities.items():
            mine = self.entities.get(name)
            if mine is None:
                self.entities[name] = theirs
                if theirs.service:
                    self.service_names.add(theirs.service)
                continue
            mine.onset = min(mine.onset, theirs.onset)
            mine.services |= theirs.services
            for family, sig in theirs.signals.items():
                own = mine.signals.get(family)
                if own is None:
                    mine.signals[family] = sig
                else:
                    own.first_at = min(own.first_at, sig.first_at)
                    own.meaningful += sig.meaningful
        for family, shown in other.groups.items():
            self.groups.setdefault(family, set()).update(shown)
        for key, pattern in other.patterns.items():
            mine_p = self.patterns.get(key)
            if mine_p is None:
                self.patterns[key] = pattern
            else:
                mine_p.pods |= pattern.pods
                mine_p.min_pod = min(mine_p.min_pod, pattern.min_pod)
        for (_, family), pattern in self.patterns.items():  # signals' first times may have moved
            pattern.first_at = min(self.entities[p].signals[family].first_at for p in pattern.pods)
        for key, call in other.calls.items():
            self._call(key, call.first_at, call.families)
        self.t0 = min(self.t0, other.t0)
        self._reindex()

    def _reindex(self) -> None:
        """After a merge: first-seen order, hosts and named services again; re-check everything."""
        self._hosted, self._named, self._chained = {}, {}, False
        self.service_names = set()
        for seq, (name, entity) in enumerate(self.entities.items()):
            entity.seq = seq
            self._arrived(name, entity)
        self._seq = len(self.entities)
        self.touched = set(self.entities)
        self.epoch += 1

    def onsets(self, names: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
        """`owners()` for the given services and entities only. The pass reads each entity's
        onset as lowered so far; unless an entity with a service of its own came after something
        naming it (a chain), that is its own onset, and each result is simply the earliest onset
        of the entities naming it. With a chain, the full pass decides."""
        if self._chained:
            return self.owners()
        owners: dict[str, float] = {}
        lowered: dict[str, float] = {}
        for name in names:
            named = self._named.get(name)
            if named is None:
                continue
            own = self.entities.get(name)
            if own is None:
                owners[name] = named[0]
            else:
                lowered[name] = min(own.onset, named[0])
        return owners, lowered

    def named_order(self, service: str) -> int:
        """First-seen order of the first entity naming `service` (where its owner entry goes)."""
        return self._named[service][1]

    def owners(self) -> tuple[dict[str, float], dict[str, float]]:
        """(services that alert only through their instances -> onset, alerting entities whose
        onset their instances move earlier -> that onset): the earliest onset of the entities
        naming each service, propagated in first-seen order as a pass over the entities does."""
        owners: dict[str, float] = {}
        lowered: dict[str, float] = {}
        entities = self.entities
        for name, item in entities.items():
            service = item.service
            if not service:
                continue
            onset = lowered.get(name, item.onset)
            if service in entities:
                lowered[service] = min(lowered.get(service, entities[service].onset), onset)
            else:
                owners[service] = min(owners.get(service, onset), onset)
        return owners, lowered
