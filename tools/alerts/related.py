"""Which entities an alert on one entity is related to, precomputed once per entity.

- `anchors`: the names an alert marks as touched: the entity, its service and its node.
- `direct`: names whose incidents this alert joins and merges: the entity, its service, and their
  dependency neighbours one hop away (calls / depends_on, either direction).
- `near`: names whose incident it joins without merging: its node (for a node: its pods), and
  two hops away in one direction (what its dependencies depend on, what depends on its dependents).
Sets are capped so a hub (a node hosting hundreds of pods) keeps the work per alert bounded.
"""

from __future__ import annotations

from opsgraph.tools.alerts.entities import Entity
from opsgraph.tools.alerts.topology import DEPENDENCY_EDGES, Topology

MAX_RELATED = 256


class RelatedIndex:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._knows_dependencies = topology.has_dependencies()
        self._cache: dict[Entity, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

    def _compute(self, entity: Entity) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        # A pod marks its service and its node: pods alerting together on one node are related
        # (joined, never merged, through the node: a busy node hosts many unrelated workloads).
        anchors = tuple(dict.fromkeys(n for n in (entity.id, entity.service, entity.host) if n))
        topo = self.topology
        seeds = [n for n in (entity.id, entity.service) if n]
        direct: dict[str, None] = dict.fromkeys(seeds)
        near: dict[str, None] = {}
        if entity.host:
            near[entity.host] = None
        # Two hops only along one direction (callees of callees, callers of callers): siblings
        # that merely share a dependency are not related unless that dependency alerts.
        for step in (topo.targets, topo.sources):
            for seed in seeds:
                for first in step(seed, *DEPENDENCY_EDGES):
                    if len(direct) < MAX_RELATED:
                        direct.setdefault(first)
                    for second in step(first, *DEPENDENCY_EDGES):
                        if second not in direct and len(near) < MAX_RELATED:
                            near.setdefault(second)
        # A node relates to the pods it runs (their incidents are what it may explain).
        for pod in topo.sources(entity.id, "runs_on"):
            if len(near) < MAX_RELATED:
                near.setdefault(pod)
        for name in direct:
            near.pop(name, None)
        return anchors, tuple(direct), tuple(near)

    def _get(self, entity: Entity) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        hit = self._cache.get(entity)
        if hit is None:
            hit = self._cache[entity] = self._compute(entity)
        return hit

    def anchors(self, entity: Entity) -> tuple[str, ...]:
        return self._get(entity)[0]

    def direct(self, entity: Entity) -> tuple[str, ...]:
        return self._get(entity)[1]

    def near(self, entity: Entity) -> tuple[str, ...]:
        return self._get(entity)[2]

    def placed(self, entity: Entity) -> bool:
        """Whether the topology can relate this entity to others, or tell it apart from them.

        Only dependency edges (calls / depends_on) can: a topology of ownership alone (pods ->
        deployments -> nodes, all a cluster's own objects say) does not know which service calls
        which, so it places nothing and alerts group by onset, as with no topology at all; it can
        only make grouping better, never split an outage."""
        if not self._knows_dependencies:
            return False
        if entity.service or entity.host:
            return True
        topo = self.topology
        return bool(topo.out.get(entity.id) or topo.into.get(entity.id))
