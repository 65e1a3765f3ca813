"""Where symptoms lead: the frontier of the symptomatic part of the dependency graph.

A symptom (latency, errors) on an entity says that the entity, or something it depends on, is
wrong. When one of its dependencies (callee, data store; for a pod, those of its service) shows
symptoms too, no later than it does, the symptom is explained further down: the entity is a
victim of that dependency, and its symptom counts only for what explains the dependency's
symptom. Following these links ends at the frontier: symptomatic entities with no symptomatic
dependency. The cause is a frontier entity or something its trouble comes from (its instances,
its node, a dependency without symptom alerts).

So a service that every symptomatic caller reaches only through another symptomatic service gets
no credit for their symptoms: checkout's errors, when its callee email shows errors as well, point
at email (and what email depends on), not at checkout's other, quiet callees.

A dependency with no alerts at all (nothing scrapes it, or its failure leaves no metric trace) can
still be the cause: when two or more frontier entities depend on it and its own dependencies are
quiet, it is a silent suspect, ranked on their symptoms alone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from opsgraph.tools.alerts.evidence import EntityEvidence
from opsgraph.tools.alerts.topology import DEPENDENCY_EDGES, Topology


def _owners(name: str, item: EntityEvidence, topology: Topology) -> tuple[str, ...]:
    """The entity, and its service when it is a pod: whose dependencies its symptoms can come from."""
    service = item.service or topology.service_of(name)
    return (name, service) if service and service != name else (name,)


def symptomatic_dependencies(symptoms: Mapping[str, EntityEvidence], topology: Topology) -> dict[str, tuple[str, ...]]:
    """Symptomatic entity -> its dependencies that show symptoms no later than it does."""
    out: dict[str, tuple[str, ...]] = {}
    for name, item in symptoms.items():
        deps = dict.fromkeys(
            d for owner in _owners(name, item, topology) for d in topology.targets(owner, *DEPENDENCY_EDGES)
        )
        out[name] = tuple(d for d in deps if d != name and d in symptoms and symptoms[d].symptom_at <= item.symptom_at)
    return out


class Frontier:
    """Which candidate explains which symptomatic entity, through the symptomatic links."""

    def __init__(self, upstream: Mapping[str, tuple[str, ...]]) -> None:
        self.upstream = upstream

    def explains(self, candidate: str, reach: Mapping[str, int], symptomatic: str) -> bool:
        """Whether `candidate` (whose trouble reaches `reach`) explains the symptom on `symptomatic`:
        it reaches it (or is it) and, unless that entity is on the frontier, explains one of its
        symptomatic dependencies. A candidate that is itself a victim explains nothing above it."""
        return self._explains(candidate, reach, symptomatic, set())

    def _explains(self, candidate: str, reach: Mapping[str, int], name: str, seen: set[str]) -> bool:
        if name != candidate and name not in reach:
            return False
        deps = self.upstream.get(name, ())
        if not deps:
            return True
        seen.add(name)
        return any(self._explains(candidate, reach, d, seen) for d in deps if d not in seen)


def silent_suspects(
    symptoms: Mapping[str, EntityEvidence],
    upstream: Mapping[str, tuple[str, ...]],
    alerting: Collection[str],
    topology: Topology,
) -> dict[str, tuple[str, ...]]:
    """Entities without any alert that two or more frontier entities depend on while their own
    dependencies (and node) stay quiet: suspect -> its symptomatic dependents. One shared,
    unmonitored dependency explains several frontiers more simply than several separate faults."""
    dependents: dict[str, set[str]] = {}
    for name, item in symptoms.items():
        if upstream.get(name):
            continue
        service = item.service or topology.service_of(name)
        for owner in _owners(name, item, topology):
            for dep in topology.targets(owner, *DEPENDENCY_EDGES):
                if dep not in alerting:
                    dependents.setdefault(dep, set()).add(service or name)
    out = {}
    for suspect, users in dependents.items():
        below = topology.targets(suspect, *DEPENDENCY_EDGES, "runs_on")
        if len(users) >= 2 and not any(d in alerting for d in below):
            out[suspect] = tuple(sorted(users))
    return out
