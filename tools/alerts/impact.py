"""Who an entity's trouble reaches: the reverse dependency closure, with hop counts.

Trouble flows against the edges: from a callee to its callers, from a data store to what
depends on it, from a node to the pods on it, from a service to its pods, and (for symptoms) from
a pod to its own service. Cached per topology and entity; bounded depth and size.
"""

from __future__ import annotations

import weakref

from opsgraph.tools.alerts.topology import DEPENDENCY_EDGES, Topology

MAX_HOPS = 3
MAX_IMPACT = 512

_CACHE: weakref.WeakKeyDictionary[Topology, dict[tuple[str, str | None], dict[str, int]]] = weakref.WeakKeyDictionary()


def _steps(topology: Topology, current: str, start: bool) -> list[tuple[str, int]]:
    steps = [(caller, 1) for caller in topology.sources(current, *DEPENDENCY_EDGES)]
    steps += [(pod, 1 if start else 0) for pod in topology.sources(current, "instance_of")]
    steps += [(pod, 1) for pod in topology.sources(current, "runs_on")]
    return steps


def impact(topology: Topology, name: str, service: str | None = None) -> dict[str, int]:
    """entity -> hops, for everything `name`'s trouble can reach (not `name` itself)."""
    per_topology = _CACHE.setdefault(topology, {})
    key = (name, service)
    hit = per_topology.get(key)
    if hit is not None:
        return hit
    reach: dict[str, int] = {}
    frontier: list[tuple[str, int]] = [(n, h) for n, h in _steps(topology, name, True)]
    if service:
        frontier.append((service, 1))
    while frontier and len(reach) < MAX_IMPACT:
        current, hops = frontier.pop()
        if current == name or hops > MAX_HOPS or reach.get(current, MAX_HOPS + 1) <= hops:
            continue
        reach[current] = hops
        frontier.extend((n, hops + step) for n, step in _steps(topology, current, False))
    per_topology[key] = reach
    return reach
