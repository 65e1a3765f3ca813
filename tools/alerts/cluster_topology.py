"""A topology derived from the cluster: pods -> workloads (Deployments via ReplicaSets) -> nodes.

Takes the lists the official kubernetes client returns (`V1Pod`, `V1ReplicaSet`, `V1Deployment`,
`V1Node`, ...) or the same objects as plain dicts (`kubectl get -o json` items). Ids: nodes by
name, pods and workloads as `namespace/name` (the entity resolver tries that form first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsgraph.tools.alerts.topology import Topology

_WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def _get(obj: Any, *path: str) -> Any:
    """Read `metadata.owner_references` from client objects or `metadata.ownerReferences` from dicts."""
    for name in path:
        if obj is None:
            return None
        if isinstance(obj, dict):
            camel = name.split("_")[0] + "".join(p.title() for p in name.split("_")[1:])
            obj = obj.get(camel, obj.get(name))
        else:
            obj = getattr(obj, name, None)
    return obj


def _owner(obj: Any) -> tuple[str, str] | None:
    for ref in _get(obj, "metadata", "owner_references") or []:
        kind, name = _get(ref, "kind"), _get(ref, "name")
        if kind and name:
            return str(kind), str(name)
    return None


def topology_from_cluster(
    pods: Iterable[Any],
    replica_sets: Iterable[Any] = (),
    nodes: Iterable[Any] = (),
    deployments: Iterable[Any] = (),
) -> Topology:
    """Build pods -> workloads (instance_of) and pods -> nodes (runs_on) from client object lists."""
    kinds: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for node in nodes:
        kinds[str(_get(node, "metadata", "name"))] = "node"
    for dep in deployments:
        kinds[f"{_get(dep, 'metadata', 'namespace')}/{_get(dep, 'metadata', 'name')}"] = "service"
    rs_owner: dict[str, str] = {}
    for rs in replica_sets:
        owner = _owner(rs)
        ns, name = _get(rs, "metadata", "namespace"), _get(rs, "metadata", "name")
        if owner and owner[0] == "Deployment":
            rs_owner[f"{ns}/{name}"] = f"{ns}/{owner[1]}"
    for pod in pods:
        ns, name = _get(pod, "metadata", "namespace"), _get(pod, "metadata", "name")
        pod_id = f"{ns}/{name}"
        kinds[pod_id] = "pod"
        owner = _owner(pod)
        workload = None
        if owner and owner[0] == "ReplicaSet":
            workload = rs_owner.get(f"{ns}/{owner[1]}", f"{ns}/{owner[1]}")
        elif owner and owner[0] in _WORKLOAD_KINDS:
            workload = f"{ns}/{owner[1]}"
        if workload:
            kinds.setdefault(workload, "service")
            edges.append((pod_id, workload, "instance_of"))
        host = _get(pod, "spec", "node_name")
        if host:
            kinds.setdefault(str(host), "node")
            edges.append((pod_id, str(host), "runs_on"))
    return Topology.build(kinds.items(), edges)
