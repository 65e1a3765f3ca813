"""A node's resource alert and the same resource on the pods it hosts: who explains whom.

For each resource alert of a node (CPU, memory, disk, network), look at the pods on that node that
show the same resource in the incident:
- none of them moved first (strictly before the node) and more than half of the pods the node
  hosts show it: the node is their common cause. It takes that share of their evidence for the
  resource, and says so in its evidence line;
- otherwise the pods that showed it no later than the node take the alert, when they belong to at
  most `node_pod_services` services: their usage is the node's usage (a workload using its node).
  A node whose pods stay quiet, show it later, or show it across many services keeps it.
Whoever moved first is the likelier cause; when they move together (one scrape interval), breadth
decides: a few pods of one workload against most of what runs on the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opsgraph.tools.alerts.evidence import EntityEvidence, Signal
from opsgraph.tools.alerts.signals import resource
from opsgraph.tools.alerts.topology import Topology

PODS_PREFIX = "pods:"  # the share of its pods' evidence a node took, one signal per resource


@dataclass(frozen=True)
class NodeFindings:
    took: dict[str, str] = field(default_factory=dict)  # pod -> node whose alert it took
    hosts: dict[str, list[str]] = field(default_factory=dict)  # node -> ["cpu on 28 of its 36 pods"]


def _same_resource(item: EntityEvidence, kind: str) -> list[Signal]:
    return [
        s
        for s in item.signals.values()
        if s.category != "symptom" and ":" not in s.family and resource(s.family) == kind
    ]


def settle_node_alerts(ev: dict[str, EntityEvidence], topology: Topology, node_pod_services: int) -> NodeFindings:
    """Move node resource alerts to the pods that explain them, or pod evidence to the node that
    explains it (see the module docstring); changes `ev` in place."""
    pods_on: dict[str, list[str]] = {}
    for name, item in ev.items():
        if item.host and item.host != name:
            pods_on.setdefault(item.host, []).append(name)
    found = NodeFindings()
    for node, pods in pods_on.items():
        node_item = ev.get(node)
        if node_item is None or node_item.kind != "node":
            continue
        hosted = max(len(topology.sources(node, "runs_on")), len(pods))
        for sig in list(node_item.signals.values()):
            kind = resource(sig.family)
            if sig.category == "symptom" or kind is None or sig.weight <= 0 or ":" in sig.family:
                continue
            showing = {p: _same_resource(ev[p], kind) for p in pods}
            showing = {p: signals for p, signals in showing.items() if signals}
            first = {p: min(s.first_at for s in signals) for p, signals in showing.items()}
            if all(at >= sig.first_at for at in first.values()) and 2 * len(showing) > hosted:
                if _credit_node(node_item, kind, sig.first_at, showing, hosted):
                    found.hosts.setdefault(node, []).append(f"{kind} on {len(showing)} of its {hosted} pods")
                continue
            users = [p for p, at in first.items() if at <= sig.first_at]
            if not users or len({ev[p].service or p for p in users}) > node_pod_services:
                continue
            for pod in users:
                ev[pod].signals[f"{node}:{sig.family}"] = Signal(
                    sig.family, sig.category, sig.name, sig.first_at, sig.weight / len(users)
                )
                found.took[pod] = node
            sig.weight = 0.0
    return found


def _credit_node(
    node_item: EntityEvidence, kind: str, at: float, showing: dict[str, list[Signal]], hosted: int
) -> bool:
    """Move `showing`'s share of the pods' evidence for `kind` to the node; False when another of
    the node's alerts on this resource already took it."""
    key = PODS_PREFIX + kind
    if key in node_item.signals:
        return False
    share = len(showing) / hosted
    credit = 0.0
    for signals in showing.values():
        for s in signals:
            credit += s.weight * share
            s.weight *= 1.0 - share
    name = f"{kind} on {len(showing)} of its {hosted} pods"
    node_item.signals[key] = Signal(key, "resource", name, at, credit)
    return True
