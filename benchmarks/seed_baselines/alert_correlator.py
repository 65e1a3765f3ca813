"""The seed article's `AlertCorrelator`, implemented as its sketch describes, to measure against.

Same algorithm as the sketch, per alert: append to a buffer, drop alerts older than the time
window, group the whole buffer by time proximity, and for every group correlate by topology (each
alert's neighbours to depth 2, the alerts of the group on those neighbours, then merge overlapping
clusters), find root-cause candidates, score them, and yield an Incident. Only the glue the sketch
leaves undefined is added, kept minimal: the topology's `neighbors`, `cleanup_old_alerts`,
`group_by_time`, `merge_clusters`, `find_root_causes` (earliest alerts first), `score_impact`
(by number of related alerts) and `get_runbooks` (a lookup). It is a baseline, not opsgraph code.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(eq=False)
class SeedAlert:
    """What the sketch reads from an alert: `source` (a service) and a timestamp."""

    source: str
    timestamp: float
    name: str = ""


@dataclass
class Incident:
    alerts: list[SeedAlert]
    probable_causes: list[tuple[str, float]]
    suggested_actions: list[str] = field(default_factory=list)


class SeedTopology:
    """Undirected adjacency, as `topology_graph.neighbors(service, depth=2)` needs."""

    def __init__(self, edges: list[tuple[str, str]]) -> None:
        self.adjacency: dict[str, set[str]] = {}
        for a, b in edges:
            self.adjacency.setdefault(a, set()).add(b)
            self.adjacency.setdefault(b, set()).add(a)

    def neighbors(self, service: str, depth: int = 1) -> set[str]:
        seen = {service}
        frontier = deque([(service, 0)])
        while frontier:
            node, d = frontier.popleft()
            if d == depth:
                continue
            for nxt in self.adjacency.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append((nxt, d + 1))
        return seen


class AlertCorrelator:
    def __init__(self, topology_graph: SeedTopology, time_window: float = 300) -> None:
        self.topology = topology_graph
        self.time_window = time_window
        self.alert_buffer: list[SeedAlert] = []

    def process_alert(self, alert: SeedAlert) -> Iterator[Incident]:
        self.alert_buffer.append(alert)
        self.cleanup_old_alerts()
        # Group alerts by time proximity
        time_groups = self.group_by_time(self.alert_buffer)
        # Correlate by topology
        for group in time_groups:
            correlated = self.correlate_by_topology(group)
            # Find root cause candidates
            root_causes = self.find_root_causes(correlated)
            # Score by business impact
            scored = self.score_impact(root_causes)
            yield Incident(
                alerts=correlated,
                probable_causes=scored[:3],
                suggested_actions=self.get_runbooks(scored[0]) if scored else [],
            )

    def correlate_by_topology(self, alerts: list[SeedAlert]) -> list[SeedAlert]:
        # Use graph algorithms to find related services
        clusters = []
        for alert in alerts:
            service = alert.source
            neighbors = self.topology.neighbors(service, depth=2)
            related = [a for a in alerts if a.source in neighbors]
            clusters.append(set([*related, alert]))
        # Merge overlapping clusters
        return self.merge_clusters(clusters)

    # -- glue the sketch leaves undefined -------------------------------------------------
    def cleanup_old_alerts(self) -> None:
        newest = max(a.timestamp for a in self.alert_buffer)
        self.alert_buffer = [a for a in self.alert_buffer if newest - a.timestamp <= self.time_window]

    def group_by_time(self, alerts: list[SeedAlert]) -> list[list[SeedAlert]]:
        groups: list[list[SeedAlert]] = []
        for alert in sorted(alerts, key=lambda a: a.timestamp):
            if groups and alert.timestamp - groups[-1][-1].timestamp <= self.time_window:
                groups[-1].append(alert)
            else:
                groups.append([alert])
        return groups

    @staticmethod
    def merge_clusters(clusters: list[set[SeedAlert]]) -> list[SeedAlert]:
        merged: list[set[SeedAlert]] = []
        for cluster in clusters:
            overlapping = [m for m in merged if m & cluster]
            for m in overlapping:
                merged.remove(m)
                cluster = cluster | m
            merged.append(cluster)
        # The sketch passes one result on; take the largest merged cluster as "the" incident.
        if not merged:
            return []
        largest: set[SeedAlert] = max(merged, key=len)
        return sorted(largest, key=lambda a: a.timestamp)

    @staticmethod
    def find_root_causes(alerts: list[SeedAlert]) -> list[SeedAlert]:
        earliest = min((a.timestamp for a in alerts), default=0.0)
        return [a for a in alerts if a.timestamp - earliest <= 60]

    @staticmethod
    def score_impact(candidates: list[SeedAlert]) -> list[tuple[str, float]]:
        counts: dict[str, float] = {}
        for a in candidates:
            counts[a.source] = counts.get(a.source, 0.0) + 1.0
        return sorted(counts.items(), key=lambda kv: -kv[1])

    @staticmethod
    def get_runbooks(cause: tuple[str, float]) -> list[str]:
        return [f"runbook for {cause[0]}"]
