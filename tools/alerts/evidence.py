"""The evidence one incident holds about each entity, before any graph reasoning.

Each distinct signal (entity, family) weighs
- surprise: log(q / p), p = how often it fired in recent incidents (baseline, hierarchically
  smoothed by its family); chronic alerts weigh ~0, rare ones a lot (a likelihood ratio);
- onset: exp(-delay / onset_tau_s) after the incident's first alert (causes come first);
- specificity: divided by k ** specificity (0.5: the square root) when k services (or entities
  without a service) show the family in this incident at once (a platform-wide blip is weak
  evidence for any one of them).
Log templates of one alert name on one entity (signals.py) count once, as their rarest template.
A family two or more instances of a service show together is one event of the service
(patterns.py), weighed by its own history and by the share of instances showing it; that share of
each instance's own signal moves to the service. Symptoms (latency, errors) also keep their raw
surprise apart: the graph step credits them to what the entity depends on.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.patterns import SHARED_PREFIX
from opsgraph.tools.alerts.signals import TEMPLATE_SEP
from opsgraph.tools.alerts.tally import EntityTally, PatternTally, Tally
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


@dataclass(frozen=True)
class Evidence:
    """The weighed evidence of one incident. `entities` holds every entity with evidence or,
    pruned, all but those whose evidence is provably nothing (see `_inert`); those stay in
    `alerting` and in `t0`, which is all the ranking reads of them."""

    entities: dict[str, EntityEvidence]
    alerting: Collection[str]  # every entity with evidence: alerting, or a service of one that is
    t0: float


class _Names(Collection[str]):
    """The names of an incident's entities and of the services they name, without a copy."""

    def __init__(self, entities: Mapping[str, object], owners: Collection[str]) -> None:
        self._entities, self._owners = entities, owners

    def __contains__(self, name: object) -> bool:
        return name in self._entities or name in self._owners

    def __iter__(self) -> Iterator[str]:
        yield from self._entities
        yield from self._owners

    def __len__(self) -> int:
        return len(self._entities) + len(self._owners)


def collect(
    members: Sequence[AlertState],
    topology: Topology,
    baseline: AlertBaseline,
    cfg: RankingConfig,
    recorded: bool = False,
) -> dict[str, EntityEvidence]:
    """Entity id -> its evidence in the incident made of `members` (services of alerting pods
    included); `recorded` when the baseline already holds this incident."""
    return weigh(Tally.of(members), topology, baseline, cfg, recorded).entities


def weigh(
    tally: Tally,
    topology: Topology,
    baseline: AlertBaseline,
    cfg: RankingConfig,
    recorded: bool = False,
    *,
    prune: bool = False,
) -> Evidence:
    """The evidence of the incident `tally` describes. `prune` leaves out the entities whose
    every signal provably weighs nothing (instances whose signals all belong to a pattern every
    instance of their service shows): in a storm over one service's pods that is nearly all of
    them, and what the ranking reads is the same."""
    t0 = tally.t0
    shared = {key: pattern for key, pattern in tally.patterns.items() if len(pattern.pods) >= 2}
    share_of = {key: len(p.pods) / max(len(topology.instances(key[0])), len(p.pods)) for key, p in shared.items()}
    order = {key: i for i, key in enumerate(shared)}
    pattern_services = {service for service, _ in shared}
    names: Collection[str]
    if prune:
        names = _Names(tally.entities, tally.service_names)  # the same names as the owners' pass
        kept = _live(tally, topology, shared, share_of, pattern_services)
        owned = sorted((s for s in pattern_services if s not in tally.entities), key=tally.named_order)
        owners, lowered = tally.onsets([*kept, *owned])
    else:
        owners, lowered = tally.owners()
        names = _Names(tally.entities, owners)
        kept, owned = list(tally.entities), list(owners)
    ev: dict[str, EntityEvidence] = {}
    for name in kept:
        counted_entity = tally.entities[name]
        out = ev[name] = EntityEvidence(
            counted_entity.kind, counted_entity.service, counted_entity.host, lowered.get(name, counted_entity.onset)
        )
        for family, counted_signal in counted_entity.signals.items():
            out.signals[family] = Signal(family, counted_signal.category, counted_signal.name, counted_signal.first_at)
    for service in owned:
        kind = topology.kind(service) if service in topology else "service"
        ev[service] = EntityEvidence(kind, None, None, owners[service])

    def surprise(key: tuple[str, str], low: bool = False) -> float:
        p = baseline.probability(key, t0, exclude=recorded)
        return max(0.0, math.log(cfg.q / p)) * (cfg.low_value_factor if low else 1.0)

    def onset(at: float) -> float:
        return math.exp(-max(0.0, at - t0) / cfg.onset_tau_s)

    traced = tally.call_families()  # trace alerts naming a call: the call graph weighs them (callgraph.py)
    for (service, family), pattern in shared.items():
        if family in traced:
            continue
        share = share_of[(service, family)]
        sample = tally.entities[pattern.min_pod].signals[family]
        owner = ev[service]
        key = SHARED_PREFIX + family
        weight = surprise((service, key)) * share * onset(pattern.first_at)
        owner.signals[key] = Signal(key, sample.category, sample.name, pattern.first_at, weight)
        owner.instances = max(owner.instances, len(pattern.pods))
    for name, item in ev.items():
        counted = tally.entities.get(name)
        if counted is None:  # a service alerting only through its instances: shared signals only
            continue
        for family, sig in item.signals.items():
            if family.startswith(SHARED_PREFIX) or family in traced:
                continue
            raw = surprise((name, family), counted.signals[family].meaningful == 0)
            if sig.category == "symptom" and raw > item.symptom:
                item.symptom, item.symptom_at = raw, sig.first_at
            specific = len(tally.groups[family]) ** cfg.specificity
            moved = _moved(name, family, counted, shared, share_of, order)
            sig.weight = raw * onset(sig.first_at) / specific * (1.0 - moved)
        _one_per_template_family(item.signals)
    return Evidence(ev, names, t0)


def _one_per_template_family(signals: Mapping[str, Signal]) -> None:
    """Log templates of one alert name on one entity (`log_pattern#82`, `log_pattern#91`, see
    signals.py) are one piece of evidence, as strong as its rarest template: the others weigh 0."""
    best: dict[str, Signal] = {}
    for family, sig in signals.items():
        base, sep, _ = family.partition(TEMPLATE_SEP)
        if not sep:
            continue
        kept = best.get(base)
        if kept is None or sig.weight > kept.weight:
            if kept is not None:
                kept.weight = 0.0
            best[base] = sig
        else:
            sig.weight = 0.0


def _moved(
    name: str,
    family: str,
    counted: EntityTally,
    shared: Mapping[tuple[str, str], PatternTally],
    share_of: Mapping[tuple[str, str], float],
    order: Mapping[tuple[str, str], int],
) -> float:
    """The share of an instance's signal its service's pattern took over (the last pattern, in
    first-seen order, that holds it; an entity's alerts name one service, rarely more)."""
    best, moved = -1, 0.0
    for service in counted.services:
        key = (service, family)
        pattern = shared.get(key)
        if pattern is not None and name in pattern.pods and order[key] > best:
            best, moved = order[key], share_of[key]
    return moved


@dataclass
class _Pruning:
    """Which entities of a tally weigh something, as of its last pruned weighing."""

    topology: Topology
    epoch: int
    live: set[str] = field(default_factory=set)
    saturated: set[tuple[str, str]] = field(default_factory=set)
    services: set[str] = field(default_factory=set)


def _live(
    tally: Tally,
    topology: Topology,
    shared: Mapping[tuple[str, str], PatternTally],
    share_of: Mapping[tuple[str, str], float],
    pattern_services: set[str],
) -> list[str]:
    """The entities that are not `_inert`, in first-seen order. Re-checks only the entities
    the tally marked as changed, the instances of patterns that every instance now shows, and
    services that now hold a pattern: nothing else can change the verdict (patterns only grow
    until a merge, which re-checks everything)."""
    cache = tally.pruning
    if not isinstance(cache, _Pruning) or cache.topology is not topology or cache.epoch != tally.epoch:
        cache = tally.pruning = _Pruning(topology, tally.epoch)
        check = set(tally.entities)
    else:
        check = tally.touched
    tally.touched = set()
    saturated = {key for key, share in share_of.items() if share == 1.0}
    for key in saturated - cache.saturated:
        check |= shared[key].pods
    check.update(s for s in pattern_services - cache.services if s in tally.entities)
    cache.saturated, cache.services = saturated, set(pattern_services)
    live = cache.live
    for name in check:
        if _inert(name, tally.entities[name], shared, share_of, pattern_services, tally.entities):
            live.discard(name)
        else:
            live.add(name)
    return sorted(live, key=lambda name: tally.entities[name].seq)


def _inert(
    name: str,
    item: EntityTally,
    shared: Mapping[tuple[str, str], PatternTally],
    share_of: Mapping[tuple[str, str], float],
    pattern_services: Collection[str],
    entities: Collection[str],
) -> bool:
    """Whether every signal of the entity weighs exactly 0 and nothing else reads it: each is a
    non-symptom signal of a pattern all instances of its one service show (its share moved to
    the service is 1), it holds no pattern itself, and its host (if any) has no alerts here (a
    node's resource alert could move to it; a service named as a host holds only pattern
    signals, which the node step skips)."""
    if name in pattern_services or len(item.services) != 1:
        return False
    if item.host is not None and item.host in entities:
        return False
    (service,) = item.services
    for family, sig in item.signals.items():
        if sig.category == "symptom" or share_of.get((service, family)) != 1.0:
            return False
        if name not in shared[(service, family)].pods:
            return False
    return True
