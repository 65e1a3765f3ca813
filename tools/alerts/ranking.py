"""Probable root causes of one incident: which alerting entity explains the others.

Each alert is evidence for its entity, weighted by
- surprise: log(q / p), p = how often this signal fired on this entity in recent incidents
  (baseline); chronic alerts weigh ~0, rare ones a lot (a naive-Bayes likelihood ratio);
- onset: alerts after the incident's first one decay with `onset_tau_s` (causes come first);
- specificity: a signal that fires on many services at once in this incident (a platform-wide
  blip) is shared out among them;
- type: symptoms (latency, errors) weigh little on the entity that shows them; their full weight
  is credited instead to the alerting entities they depend on (graph explanation, halving per
  hop, only for symptoms that started no earlier than the candidate).
Variants of one signal on one entity count once. A service is a candidate when its instances
alert together (the shared part moves from the pods to the service); a pod keeps what is its own
and gets no credit for its own service's symptoms. An entity one of whose dependencies (callee,
data store, node) alerted earlier is likely a victim: its score is cut. Node and data-store
alerts get a prior weight above workload alerts (infrastructure faults spread).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import AlertState
from opsgraph.tools.alerts.impact import impact
from opsgraph.tools.alerts.topology import DEPENDENCY_EDGES, Topology

DEFAULT_KIND_WEIGHTS: Mapping[str, float] = {"node": 2.0, "database": 1.5, "cache": 1.5}


@dataclass(frozen=True)
class RankingConfig:
    q: float = 0.5
    onset_tau_s: float = 60.0
    symptom_factor: float = 0.3
    low_value_factor: float = 0.5
    specificity: float = 1.0
    explain_beta: float = 1.0
    explain_decay: float = 0.5
    victim_factor: float = 0.5
    kind_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    top: int = 5


@dataclass(frozen=True)
class Cause:
    entity: str
    kind: str
    score: float
    evidence: str


@dataclass
class _Evidence:
    kind: str
    service: str | None
    host: str | None
    onset: float
    families: dict[str, float] = field(default_factory=dict)
    best: tuple[float, str] = (-1.0, "")
    symptom: float = 0.0
    symptom_at: float = 0.0
    shared: float = 0.0
    instances: int = 0


def _collect(
    members: Sequence[AlertState], baseline: AlertBaseline, cfg: RankingConfig, recorded: bool
) -> dict[str, _Evidence]:
    t0 = min(m.first_at for m in members)
    ev: dict[str, _Evidence] = {}
    for m in members:
        e = m.entity
        item = ev.get(e.id)
        if item is None:
            item = ev[e.id] = _Evidence(e.kind, e.service, e.host, m.first_at)
        item.onset = min(item.onset, m.first_at)
        p = baseline.probability((e.id, m.family), t0, exclude=recorded)
        surprise = max(0.0, math.log(cfg.q / p)) * (cfg.low_value_factor if m.low_value else 1.0)
        w = surprise * math.exp(-max(0.0, m.first_at - t0) / cfg.onset_tau_s)
        if m.category == "symptom":
            # As evidence against a cause, a symptom keeps its full weight: effects come later.
            if surprise > item.symptom:
                item.symptom, item.symptom_at = surprise, m.first_at
            w *= cfg.symptom_factor
        if w > item.families.get(m.family, -1.0):
            item.families[m.family] = w
        if w > item.best[0]:
            item.best = (w, m.alert.name or m.family)
    if cfg.specificity:
        groups: dict[str, set[str]] = defaultdict(set)
        for name, item in ev.items():
            for fam in item.families:
                groups[fam].add(item.service or name)
        for item in ev.values():
            for fam in item.families:
                item.families[fam] /= len(groups[fam]) ** cfg.specificity
    return ev


def _services(ev: dict[str, _Evidence], topology: Topology, scores: dict[str, float]) -> None:
    """Move evidence the instances of one service share to the service."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for name, item in ev.items():
        if item.service:
            by_service[item.service].append(name)
    for service, pods in by_service.items():
        size = max(len(topology.instances(service)), len(pods))
        counts: dict[str, list[float]] = defaultdict(list)
        for pod in pods:
            for fam, w in ev[pod].families.items():
                counts[fam].append(w)
        shared = 0.0
        for fam, weights in counts.items():
            if len(weights) >= 2 and len(weights) * 2 >= size:
                share = len(weights) / size
                shared += sum(weights) * share
                for pod in pods:
                    if fam in ev[pod].families:
                        scores[pod] -= ev[pod].families[fam] * share
        if shared > 0 or service in scores:
            scores[service] = scores.get(service, 0.0) + shared
            target = ev.get(service)
            if target is None:
                first = min(ev[p].onset for p in pods)
                target = ev[service] = _Evidence(
                    topology.kind(service) if service in topology else "service", None, None, first
                )
            target.shared, target.instances = shared, len({p for p in pods if ev[p].families})


def rank_causes(
    members: Sequence[AlertState],
    topology: Topology,
    baseline: AlertBaseline,
    config: RankingConfig | None = None,
    *,
    recorded: bool = False,
) -> list[Cause]:
    """Top causes of the incident made of `members`; `recorded` when the baseline already holds
    this incident (its own alerts must not count as history)."""
    if not members:
        return []
    cfg = config or RankingConfig()
    ev = _collect(members, baseline, cfg, recorded)
    scores = {
        name: sum(item.families.values()) * cfg.kind_weights.get(item.kind, 1.0) for name, item in ev.items()
    }
    _services(ev, topology, scores)
    symptoms = {name: item for name, item in ev.items() if item.symptom > 0}
    explained: dict[str, int] = {}
    for name in list(scores):
        if scores[name] <= 0:
            continue
        credit, count = 0.0, 0
        onset = ev[name].onset - cfg.onset_tau_s
        # A pod gets no credit for its own service's symptoms: the service explains them as well.
        own_service = ev[name].service
        for other, hops in impact(topology, name, ev[name].service).items():
            victim = symptoms.get(other)
            if victim is not None and other not in (name, own_service) and victim.symptom_at >= onset:
                credit += victim.symptom * cfg.explain_decay ** (hops - 1)
                count += 1
        scores[name] += cfg.explain_beta * credit
        explained[name] = count
    base = dict(scores)
    for name, item in ev.items():
        deps = topology.targets(name, *DEPENDENCY_EDGES) + topology.targets(name, "runs_on")
        if base[name] > 0 and any(
            base.get(d, 0.0) > 0 and ev[d].onset < item.onset - 1 for d in deps if d in ev
        ):
            scores[name] *= cfg.victim_factor
    ranked = sorted((n for n in scores if scores[n] > 0), key=lambda n: (-scores[n], ev[n].onset, n))[
        : cfg.top
    ]
    total = sum(scores[n] for n in ranked) or 1.0
    t0 = min(item.onset for item in ev.values())
    return [
        Cause(n, ev[n].kind, round(scores[n] / total, 4), _evidence(n, ev[n], explained.get(n, 0), t0))
        for n in ranked
    ]


def _evidence(name: str, item: _Evidence, explained: int, t0: float) -> str:
    parts = []
    if item.instances >= 2:
        parts.append(f"{item.instances} instances alert together")
    if item.families:
        signals = len(item.families)
        parts.append(f"{signals} signal{'s' if signals != 1 else ''}, strongest {item.best[1]}")
    delay = item.onset - t0
    parts.append("first to alert" if delay < 1 else f"alerting {delay:.0f}s after the first")
    if explained:
        parts.append(f"explains symptoms on {explained} dependent{'s' if explained != 1 else ''}")
    return "; ".join(parts)
