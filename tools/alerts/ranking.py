"""Probable root causes of one incident: which entity explains the alerts.

Evidence per entity comes from evidence.py (surprise against the alert history, onset,
specificity, service-wide patterns). The graph then decides between entities that look alike:
- a node's resource alert (CPU, memory, disk, network) and the same resource on its pods
  (nodes.py): pods that moved first, of at most `node_pod_services` services, take the node's
  alert (their usage is the node's usage); when none moved first and more than half of the
  node's pods show it, the node takes a share of their evidence (it is their common cause);
- symptoms (latency, errors) on the entities an entity's trouble reaches (callers, the pods of
  a node, halving per hop) are credited to it, for symptoms that started no earlier than
  `onset_tau_s` before it, and only through the symptom frontier (symptoms.py): a caller whose
  symptoms follow those of another dependency credits that dependency's side only. Latency
  propagates to callers; resource trouble does not prove it;
- an entity one of whose dependencies (callee, data store, node) alerted earlier, or showed
  symptoms no later than its own symptoms, is likely a victim: its score is cut by
  `victim_factor`, and its evidence line names the dependency;
- a dependency without any alert that two or more frontier entities share, its own
  dependencies quiet, is a silent suspect: ranked on the symptoms it explains, times
  `silent_factor`, with an evidence line that says it has no alerts.
- anomalous calls named by trace alerts (callgraph.py) corroborate a candidate by the share of
  them its callee side explains (its callers' spans slow or failing): its score times
  (1 + share), so the trace modality reorders what the other modalities found and cannot drown
  them; without trace alerts nothing changes.
No kind gets a prior weight by default: a node, a service and a pod with the same evidence rank
the same. `kind_weights` (e.g. {"node": 2.0}) multiplies an entity's own evidence for a cluster
whose operators know its faults lean one way; the rca eval measures the default.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.callgraph import CallEvidence, calls_of, explain
from opsgraph.tools.alerts.correlator import AlertState
from opsgraph.tools.alerts.evidence import EntityEvidence, weigh
from opsgraph.tools.alerts.impact import impact
from opsgraph.tools.alerts.nodes import PODS_PREFIX, settle_node_alerts
from opsgraph.tools.alerts.symptoms import Frontier, silent_suspects, symptomatic_dependencies
from opsgraph.tools.alerts.tally import Tally
from opsgraph.tools.alerts.topology import DEPENDENCY_EDGES, Topology


@dataclass(frozen=True)
class RankingConfig:
    q: float = 0.5
    onset_tau_s: float = 120.0
    low_value_factor: float = 0.5
    specificity: float = 0.5
    explain_beta: float = 1.0
    explain_decay: float = 0.5
    victim_factor: float = 0.5
    silent_factor: float = 0.5  # a suspect without alerts keeps this share of the symptoms it explains
    node_pod_services: int = 2
    call_graph: bool = True  # trace alerts naming calls are weighed by callgraph.py, not as votes
    kind_weights: Mapping[str, float] = field(default_factory=dict)
    top: int = 5


@dataclass(frozen=True)
class Cause:
    entity: str
    kind: str
    score: float
    evidence: str


def _explain(
    ev: dict[str, EntityEvidence],
    topology: Topology,
    scores: dict[str, float],
    frontier: Frontier,
    cfg: RankingConfig,
) -> dict[str, int]:
    """Credit symptoms on what each candidate's trouble reaches, through the symptom frontier;
    returns candidate -> dependents explained."""
    symptoms = {name: item for name, item in ev.items() if item.symptom > 0}
    explained: dict[str, int] = {}
    if not symptoms:
        return explained
    for name, own in list(scores.items()):
        item = ev[name]
        service = item.service or topology.service_of(name)
        reach = impact(topology, name, service)
        credit, count = 0.0, 0
        for other, hops in reach.items():
            victim = symptoms.get(other)
            if victim is None or other == service or victim.symptom_at < item.onset - cfg.onset_tau_s:
                continue
            if frontier.explains(name, reach, other):
                credit += victim.symptom * cfg.explain_decay ** (hops - 1)
                count += 1
        scores[name] = own + cfg.explain_beta * credit
        explained[name] = count
    return explained


def _victims(
    ev: dict[str, EntityEvidence], topology: Topology, base: dict[str, float], upstream: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Candidate -> the dependency it likely suffers from: one (callee, data store, node) that
    alerted before it, or one that showed symptoms no later than its own symptoms."""
    out = {}
    for name in base:
        onset = ev[name].onset
        deps = topology.targets(name, *DEPENDENCY_EDGES) + topology.targets(name, "runs_on")
        earlier = [d for d in deps if d in base and ev[d].onset < onset - 1]
        if earlier or upstream.get(name):
            out[name] = (earlier or list(upstream[name]))[0]
    return out


def _add_silent_suspects(
    ev: dict[str, EntityEvidence],
    scores: dict[str, float],
    symptoms: Mapping[str, EntityEvidence],
    upstream: Mapping[str, tuple[str, ...]],
    alerting: Collection[str],
    topology: Topology,
) -> dict[str, tuple[str, ...]]:
    """Make each silent suspect a candidate with no evidence of its own (the symptom credit
    follows); returns suspect -> its symptomatic dependents."""
    silent = silent_suspects(symptoms, upstream, alerting, topology)
    for name, users in silent.items():
        onset = min(i.symptom_at for n, i in symptoms.items() if n in users or i.service in users)
        ev[name] = EntityEvidence(topology.kind(name), None, None, onset)
        scores[name] = 0.0
    return silent


def _add_calls(
    tally: Tally,
    scores: dict[str, float],
    topology: Topology,
    baseline: AlertBaseline,
    cfg: RankingConfig,
    recorded: bool,
) -> CallEvidence:
    """Corroborate each candidate by the share of the incident's anomalous calls its callee side
    explains (callgraph.py): its score times (1 + share), so traces reorder, never drown."""
    if not tally.calls:
        return CallEvidence()
    found = calls_of(tally.calls, baseline, tally.t0, cfg.q, recorded, cfg.onset_tau_s)
    calls = explain(found, topology)
    for name in scores:
        scores[name] *= 1.0 + calls.explains.get(name, 0.0)
    return calls


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
    return rank_tally(Tally.of(members), topology, baseline, config, recorded=recorded)


def rank_tally(
    tally: Tally,
    topology: Topology,
    baseline: AlertBaseline,
    config: RankingConfig | None = None,
    *,
    recorded: bool = False,
    prune: bool = True,
) -> list[Cause]:
    """`rank_causes` from an incident's tally (kept up to date alert by alert, or fresh);
    `prune=False` weighs every entity (the same causes, slower: the reference the tests hold
    pruning to)."""
    if not tally.entities:
        return []
    cfg = config or RankingConfig()
    evidence = weigh(tally, topology, baseline, cfg, recorded, prune=prune)
    ev = evidence.entities
    nodes = settle_node_alerts(ev, topology, cfg.node_pod_services)
    weight = cfg.kind_weights
    base = {n: item.score * weight.get(item.kind, 1.0) for n, item in ev.items() if item.score > 0}
    scores = dict(base)
    symptoms = {n: i for n, i in ev.items() if i.symptom > 0}
    upstream = symptomatic_dependencies(symptoms, topology)
    silent = _add_silent_suspects(ev, scores, symptoms, upstream, evidence.alerting, topology)
    explained = _explain(ev, topology, scores, Frontier(upstream), cfg)
    for name in silent:
        scores[name] *= cfg.silent_factor
    victims = _victims(ev, topology, base, upstream)
    for name in victims:
        scores[name] *= cfg.victim_factor
    calls = _add_calls(tally, scores, topology, baseline, cfg, recorded) if cfg.call_graph else CallEvidence()
    ranked = sorted(scores, key=lambda n: (-scores[n], ev[n].onset, n))[: cfg.top]
    total = sum(scores[n] for n in ranked) or 1.0
    t0 = evidence.t0
    return [
        Cause(
            n,
            ev[n].kind,
            round(scores[n] / total, 4),
            _silent_text(silent[n], explained.get(n, 0))
            if n in silent
            else _text(ev[n], explained.get(n, 0), nodes.took.get(n), nodes.hosts.get(n, []), victims.get(n), t0)
            + _calls_text(calls, n, ev[n]),
        )
        for n in ranked
    ]


def _silent_text(dependents: Sequence[str], explained: int) -> str:
    names = ", ".join(dependents[:-1]) + f" and {dependents[-1]}"
    return (
        f"no alerts of its own; {names} depend on it and show symptoms, its own dependencies are quiet; "
        f"explains symptoms on {explained} dependents"
    )


def _calls_text(calls: CallEvidence, name: str, item: EntityEvidence) -> str:
    """E.g. "; its callers' spans slow or failing first (3 callers, 40% of the anomalous calls), its
    own container_cpu_usage_seconds_up alert 40s later"."""
    share = calls.explains.get(name, 0.0)
    if share <= 0:
        return ""
    callers = len(calls.callers.get(name, ()))
    first = calls.first_at[name]
    counts = f"({callers} caller{'s' if callers != 1 else ''}, {share:.0%} of the anomalous calls)"
    own = [s for s in item.signals.values() if s.weight > 0 and not s.family.startswith(PODS_PREFIX)]
    if not own:
        return f"; its callers' spans slow or failing {counts}"
    mine = min(own, key=lambda s: s.first_at)
    gap = mine.first_at - first
    if abs(gap) < 1:
        return f"; its callers' spans slow or failing {counts} as its own {mine.name} alert fired"
    if gap > 0:
        return f"; its callers' spans slow or failing first {counts}, its own {mine.name} alert {gap:.0f}s later"
    return f"; its own {mine.name} alert first, its callers' spans slow or failing {-gap:.0f}s later {counts}"


def _text(
    item: EntityEvidence, explained: int, node: str | None, hosted: list[str], source: str | None, t0: float
) -> str:
    parts = []
    if item.instances >= 2:
        parts.append(f"{item.instances} instances alert together")
    own = [s for s in item.signals.values() if s.weight > 0 and not s.family.startswith(PODS_PREFIX)]
    if own:
        best = max(own, key=lambda s: s.weight)
        parts.append(f"{len(own)} signal{'s' if len(own) != 1 else ''}, strongest {best.name}")
    if node:
        parts.append(f"explains resource alerts of its node {node}")
    if hosted:
        parts.append(f"explains {' and '.join(hosted)}")
    delay = item.onset - t0
    parts.append("first to alert" if delay < 1 else f"alerting {delay:.0f}s after the first")
    if explained:
        parts.append(f"explains symptoms on {explained} dependent{'s' if explained != 1 else ''}")
    if source:
        parts.append(f"likely downstream of {source}")
    return "; ".join(parts)
