"""Entity resolution: which topology node an alert is about, from its labels.

Labels are tried from the most specific (pod) to the least (namespace); the first value that names a
topology node wins, trying `namespace/value`, the value, the value without `:port`, and aliases
learned on the way (an alert naming a known pod and an unknown node address teaches that the
address is the pod's node). Without a match the entity comes from the labels alone, and label pairs
(pod + node, pod + service) still give the pod's host and service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opsgraph.tools.alerts.topology import EMPTY, Topology

# (label, kind the label implies), most specific first.
ENTITY_LABELS: tuple[tuple[str, str], ...] = (
    ("pod", "pod"),
    ("pod_name", "pod"),
    ("kubernetes_pod_name", "pod"),
    ("database", "database"),
    ("db", "database"),
    ("entity", "other"),
    ("service", "service"),
    ("service_name", "service"),
    ("deployment", "service"),
    ("statefulset", "service"),
    ("daemonset", "service"),
    ("app", "service"),
    ("app_kubernetes_io_name", "service"),
    ("node", "node"),
    ("kubernetes_node", "node"),
    ("nodename", "node"),
    ("host", "node"),
    ("hostname", "node"),
    ("instance", "node"),
    ("job", "service"),
    ("namespace", "other"),
)
_SERVICE_LABELS = (
    "service",
    "service_name",
    "deployment",
    "statefulset",
    "daemonset",
    "app",
    "app_kubernetes_io_name",
)
_HOST_LABELS = ("node", "kubernetes_node", "nodename", "host", "hostname", "instance")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    kind: str
    service: str | None = None  # the service/workload this is an instance of
    host: str | None = None  # the node it runs on
    known: bool = False  # named in the topology


def _strip_port(value: str) -> str:
    head, sep, tail = value.rpartition(":")
    return head if sep and tail.isdigit() and head else value


class EntityResolver:
    def __init__(self, topology: Topology = EMPTY) -> None:
        self.topology = topology
        self.aliases: dict[str, str] = {}

    def _lookup(self, value: str, namespace: str | None) -> str | None:
        topo = self.topology
        if namespace and f"{namespace}/{value}" in topo:
            return f"{namespace}/{value}"
        if value in topo:
            return value
        alias = self.aliases.get(value)
        if alias is not None:
            return alias
        bare = _strip_port(value)
        if bare != value:
            if bare in topo:
                return bare
            return self.aliases.get(bare)
        return None

    def resolve(self, labels: Mapping[str, str]) -> Entity:
        namespace = labels.get("namespace")
        topo = self.topology
        fallback: tuple[str, str] | None = None
        for label, kind in ENTITY_LABELS:
            value = labels.get(label)
            if not value:
                continue
            if topo.kinds:
                hit = self._lookup(value, namespace)
                if hit is not None:
                    entity = Entity(hit, topo.kind(hit), topo.service_of(hit), topo.host_of(hit), True)
                    self._learn(entity, labels)
                    return entity
            if fallback is None:
                fallback = (value, kind)
        if fallback is None:
            name = labels.get("alertname", "unknown")
            return Entity(f"alert:{name}", "other")
        value, kind = fallback
        return Entity(
            value,
            kind,
            self._label_value(labels, _SERVICE_LABELS, value),
            self._label_value(labels, _HOST_LABELS, value),
        )

    def _learn(self, entity: Entity, labels: Mapping[str, str]) -> None:
        """A known pod with an unknown node address: remember the address as that pod's node."""
        if entity.host is None:
            return
        for label in _HOST_LABELS:
            value = labels.get(label)
            if value and value not in self.topology and value not in self.aliases:
                self.aliases[value] = entity.host
                self.aliases.setdefault(_strip_port(value), entity.host)

    @staticmethod
    def _label_value(labels: Mapping[str, str], names: tuple[str, ...], own: str) -> str | None:
        for name in names:
            value = labels.get(name)
            if value and value != own:
                return _strip_port(value) if name == "instance" else value
        return None
