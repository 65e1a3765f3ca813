"""The evidence one incident holds about each entity, before any graph reasoning.

Each distinct signal (entity, family) weighs
- surprise: log(q / p), p = how often it fired in recent incidents (baseline, hierarchically
  smoothed by its family); chronic alerts weigh ~0, rare ones a lot (a likelihood ratio);
- onset: exp(-delay / onset_tau_s) after the incident's first alert (causes come first);
- specificity: divided by k ** specificity (0.5: the square root) when k services (or entities
  without a service) show the family in this incident at once (a platform-wide blip is weak
  evidence for any one of them).
A family two or more instances of a service show together is one event of the service
(patterns.py), weighed by its own history and by the share of instances showing it; that share of
each instance's own signal moves to the service. Symptoms (latency, errors) also keep their raw
surprise apart: the graph step credits them to what the entity depends on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.patterns import SHARED_PREFIX, shared_patterns
from opsgraph.tools.alerts.topology import Topology

if TYPE_CHECKING:
    from opsgraph.tools.alerts.correlator import AlertState
    from opsgraph.tools.alerts.ranking import RankingConfig


@dataclass
class Signal:
    family: str
    category: str
    name: str
    first_at: float
    weight: float = 0.0


@dataclass
class EntityEvidence:
    kind: str
    service: str | None
    host: str | None
    onset: float
    signals: dict[str, Signal] = field(default_factory=dict)  # family -> signal
    symptom: float = 0.0  # strongest symptom surprise (undecayed), credited to dependencies
    symptom_at: float = math.inf
    instances: int = 0  # instances sharing a pattern (services)

    @property
    def score(self) -> float:
        return sum(s.weight for s in self.signals.values())


def _entities(members: Sequence[AlertState], topology: Topology) -> dict[str, EntityEvidence]:
    ev: dict[str, EntityEvidence] = {}
    for m in members:
        e = m.entity
        item = ev.get(e.id)
        if item is None:
            item = ev[e.id] = EntityEvidence(e.kind, e.service, e.host, m.first_at)
        item.onset = min(item.onset, m.first_at)
        sig = item.signals.get(m.family)
        if sig is None:
            item.signals[m.family] = Signal(m.family, m.category, m.alert.name or m.family, m.first_at)
        elif m.first_at < sig.first_at:
            sig.first_at = m.first_at
    for item in list(ev.values()):
        if item.service and item.service not in ev:
            kind = topology.kind(item.service) if item.service in topology else "service"
            ev[item.service] = EntityEvidence(kind, None, None, item.onset)
        if item.service:
            owner = ev[item.service]
            owner.onset = min(owner.onset, item.onset)
    return ev


def collect(
    members: Sequence[AlertState],
    topology: Topology,
    baseline: AlertBaseline,
    cfg: RankingConfig,
    recorded: bool = False,
) -> dict[str, EntityEvidence]:
    """Entity id -> its evidence in the incident made of `members` (services of alerting pods
    included); `recorded` when the baseline already holds this incident."""
    t0 = min(m.first_at for m in members)
    ev = _entities(members, topology)
    low = {(m.entity.id, m.family) for m in members if m.low_value}
    low -= {(m.entity.id, m.family) for m in members if not m.low_value}

    def surprise(key: tuple[str, str]) -> float:
        p = baseline.probability(key, t0, exclude=recorded)
        return max(0.0, math.log(cfg.q / p)) * (cfg.low_value_factor if key in low else 1.0)

    def onset(at: float) -> float:
        return math.exp(-max(0.0, at - t0) / cfg.onset_tau_s)

    groups: dict[str, set[str]] = {}
    for m in members:
        groups.setdefault(m.family, set()).add(m.entity.service or m.entity.id)
    moved: dict[tuple[str, str], float] = {}
    for (service, family), pods in shared_patterns(members).items():
        share = len(pods) / max(len(topology.instances(service)), len(pods))
        first = min(ev[p].signals[family].first_at for p in pods)
        sample = ev[min(pods)].signals[family]
        owner = ev[service]
        key = SHARED_PREFIX + family
        weight = surprise((service, key)) * share * onset(first)
        owner.signals[key] = Signal(key, sample.category, sample.name, first, weight)
        owner.instances = max(owner.instances, len(pods))
        for pod in pods:
            moved[(pod, family)] = share
    for name, item in ev.items():
        for family, sig in item.signals.items():
            if family.startswith(SHARED_PREFIX):
                continue
            raw = surprise((name, family))
            if sig.category == "symptom" and raw > item.symptom:
                item.symptom, item.symptom_at = raw, sig.first_at
            specific = len(groups[family]) ** cfg.specificity
            sig.weight = raw * onset(sig.first_at) / specific * (1.0 - moved.get((name, family), 0.0))
    return ev
