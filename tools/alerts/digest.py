"""One incident's snapshot inputs, kept up to date alert by alert instead of re-read from every
member on each update.

A snapshot of an incident of 20k alerts used to walk all 20k (evidence, blast radius, timeline,
suggested actions) on every update, ~9 us an alert. The correlator now keeps an `IncidentDigest`
on each incident it has snapshotted once: a new member, a flapping alert or a merge folds into it
in O(1) (a merge: O(the merged incident's entities)), and `incidents.snapshot` reads it. What it
holds equals a digest built from scratch (`IncidentDigest.of(members)`), which is what the
randomised test compares. When an alert's labels change under the same fingerprint (a sender
that sets `fingerprint` itself), names and severity it contributed may change: the correlator
then drops the digest and the next snapshot builds it again from the members.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsgraph.tools.alerts.tally import Tally

if TYPE_CHECKING:
    from opsgraph.tools.alerts.correlator import AlertState

TIMELINE_LIMIT = 20


@dataclass(slots=True)
class Related:
    """What the alerts about one entity (by id, or by service) suggest acting on."""

    names: dict[str, None] = field(default_factory=dict)  # alert names, first seen first
    service: str | None = None  # the first service named
    namespace: str | None = None  # the first namespace label


@dataclass(slots=True)
class Radius:
    """Blast radius of a set of members: services (and data stores), other entities, worst severity."""

    services: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)
    rank: int = -1
    _sorted: tuple[str, ...] | None = None

    def add(self, m: AlertState) -> None:
        e = m.entity
        if e.service:
            name, bucket = e.service, self.services
        elif e.kind in ("service", "database", "cache"):
            name, bucket = e.id, self.services
        else:
            name, bucket = e.id, self.others
        if name not in bucket:
            bucket.add(name)
            self._sorted = None
        self.rank = max(self.rank, m.alert.severity_rank)

    def absorb(self, other: Radius) -> None:
        self.services |= other.services
        self.others |= other.others
        self.rank = max(self.rank, other.rank)
        self._sorted = None

    def entities(self) -> tuple[str, ...]:
        if self._sorted is None:
            self._sorted = tuple(sorted(self.services)) + tuple(sorted(self.others))
        return self._sorted


class IncidentDigest:
    def __init__(self) -> None:
        self.tally = Tally()
        self.count = 0  # members folded in (== len(members))
        self.meaningful = 0
        self.all = Radius()  # over every member
        self.significant = Radius()  # over meaningful members (what the snapshot shows when any)
        self.timeline: list[tuple[float, int, AlertState]] = []  # the earliest members, (first_at, position)
        self.flapping: set[str] = set()
        self.related: dict[str, Related] = {}  # entity id or service -> what its alerts suggest

    @classmethod
    def of(cls, members: Iterable[AlertState]) -> IncidentDigest:
        """A digest built from scratch (the full recompute)."""
        digest = cls()
        for member in members:
            digest.add(member)
        return digest

    def add(self, m: AlertState) -> None:
        """Fold in the incident's next member (appended to its members)."""
        self.tally.add(m)
        self.all.add(m)
        if not m.low_value:
            self.meaningful += 1
            self.significant.add(m)
        entry = (m.first_at, self.count, m)
        self.count += 1
        if len(self.timeline) < TIMELINE_LIMIT or entry[:2] < self.timeline[-1][:2]:
            self.timeline.append(entry)
            self.timeline.sort(key=_when)
            del self.timeline[TIMELINE_LIMIT:]
        if m.flapping:
            self.flap(m)
        e = m.entity
        for key in (e.id, e.service) if e.service and e.service != e.id else (e.id,):
            related = self.related.get(key)
            if related is None:
                related = self.related[key] = Related()
            related.names.setdefault(m.alert.name or m.family)
            if related.service is None and e.service:
                related.service = e.service
            if related.namespace is None and m.alert.labels.get("namespace"):
                related.namespace = m.alert.labels["namespace"]

    def flap(self, m: AlertState) -> None:
        """A member started flapping."""
        self.flapping.add(f"{m.alert.name or m.family} on {m.entity.id}")

    def absorb(self, other: IncidentDigest) -> None:
        """Fold in a merged incident's digest: its members now follow this one's."""
        self.tally.absorb(other.tally)
        self.all.absorb(other.all)
        self.significant.absorb(other.significant)
        self.meaningful += other.meaningful
        shifted = [(at, self.count + position, m) for at, position, m in other.timeline]
        self.timeline = sorted(self.timeline + shifted, key=_when)[:TIMELINE_LIMIT]
        self.count += other.count
        self.flapping |= other.flapping
        for key, theirs in other.related.items():
            mine = self.related.get(key)
            if mine is None:
                self.related[key] = theirs
                continue
            for name in theirs.names:
                mine.names.setdefault(name)
            mine.service = mine.service or theirs.service
            mine.namespace = mine.namespace or theirs.namespace

    def radius(self) -> Radius:
        """The members a snapshot describes: the meaningful ones, or all when none is."""
        return self.significant if self.meaningful else self.all

    @property
    def t0(self) -> float:
        return self.tally.t0 if self.count else math.inf


def _when(entry: tuple[float, int, AlertState]) -> tuple[float, int]:
    return entry[0], entry[1]
