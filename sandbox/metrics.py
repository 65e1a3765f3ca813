"""The resource metrics API (metrics.k8s.io/v1beta1), as metrics-server serves it for `kubectl top`:
PodMetrics for pods with started containers, NodeMetrics for nodes.

Usage is a deterministic baseline per pod and container (a share of the requests), except where a
fault sets it: the working set at the memory limit before an OOM kill, CPU above an HPA's target.
"""

from __future__ import annotations

import hashlib
import re
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import errors
from .meta import Obj, iso
from .quantity import QuantityError, parse_quantity

if TYPE_CHECKING:
    from .cluster import Cluster

GROUP_VERSION = "metrics.k8s.io/v1beta1"
PATH = re.compile(r"^/apis/metrics\.k8s\.io/v1beta1/(?:namespaces/([^/]+)/)?(pods|nodes)(?:/([^/]+))?/?$")
_SYSTEM_RESERVED = {"cpu": Decimal("0.35"), "memory": Decimal(2 * 2**30)}


def handle(cluster: Cluster, method: str, path: str) -> dict[str, Any] | None:
    """The document for a metrics path, or None for any other path."""
    match = PATH.match(path)
    if match is None:
        return None
    namespace, resource, name = match.groups()
    if method != "GET":
        raise errors.method_not_allowed()
    if resource == "nodes" and namespace is not None:
        raise errors.path_not_found()
    now = time.time()
    with cluster.store.lock:
        if resource == "pods":
            pods = cluster.store.sorted_items("pods", namespace)
            items = [m for m in (pod_metrics(cluster, p, now) for p in pods) if m is not None]
            kind = "PodMetrics"
        else:
            items = [
                node_metrics(cluster, n, now)
                for n in cluster.store.sorted_items("nodes")
                if not cluster.controller.faults.node_down(n["metadata"]["name"])  # no kubelet to scrape
            ]
            kind = "NodeMetrics"
    if name is not None:
        found = next((i for i in items if i["metadata"]["name"] == name), None)
        if found is None:
            raise errors.not_found(resource, "metrics.k8s.io", name)
        return found
    return {
        "kind": f"{kind}List",
        "apiVersion": GROUP_VERSION,
        "metadata": {},
        "items": items,
    }


def _fraction(*parts: object, low: float, high: float) -> Decimal:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return Decimal(str(low + (high - low) * digest[0] / 255))


def _quantity(container: dict[str, Any], kind: str, resource: str, default: str) -> Decimal:
    value = ((container.get("resources") or {}).get(kind) or {}).get(resource)
    try:
        return parse_quantity(value if value is not None else default)
    except QuantityError:
        return parse_quantity(default)


def container_usage(cluster: Cluster, pod: Obj, container: dict[str, Any]) -> dict[str, Decimal]:
    name = pod["metadata"]["name"]
    cpu_request = _quantity(container, "requests", "cpu", "100m")
    memory_request = _quantity(container, "requests", "memory", "128Mi")
    usage = {
        "cpu": cpu_request * _fraction(name, container["name"], "cpu", low=0.15, high=0.55),
        "memory": memory_request * _fraction(name, container["name"], "memory", low=0.45, high=0.8),
    }
    override = cluster.controller.faults.usage(pod, container)
    if "cpu_fraction" in override:
        usage["cpu"] = cpu_request * override["cpu_fraction"] * _fraction(name, "hpa", low=0.97, high=1.03)
    if "memory" in override:
        usage["memory"] = override["memory"]
    return usage


def _started(pod: Obj) -> bool:
    return any("containerID" in cs for cs in (pod.get("status") or {}).get("containerStatuses") or [])


def pod_metrics(cluster: Cluster, pod: Obj, now: float) -> dict[str, Any] | None:
    node = (pod.get("spec") or {}).get("nodeName")
    if not node or not _started(pod) or cluster.controller.faults.node_down(str(node)):
        return None
    md = pod["metadata"]
    containers = [
        {"name": c["name"], "usage": _format(container_usage(cluster, pod, c))} for c in pod["spec"]["containers"]
    ]
    return {
        "kind": "PodMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": {
            "name": md["name"],
            "namespace": md["namespace"],
            "creationTimestamp": iso(now),
            "labels": dict(md.get("labels") or {}),
        },
        "timestamp": iso(now - 7),
        "window": "15.011s",
        "containers": containers,
    }


def node_metrics(cluster: Cluster, node: Obj, now: float) -> dict[str, Any]:
    name = node["metadata"]["name"]
    total = dict(_SYSTEM_RESERVED)
    for pod in cluster.store.items("pods"):
        if (pod.get("spec") or {}).get("nodeName") == name and _started(pod):
            for c in pod["spec"]["containers"]:
                for key, value in container_usage(cluster, pod, c).items():
                    total[key] += value
    return {
        "kind": "NodeMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": {"name": name, "creationTimestamp": iso(now), "labels": dict(node["metadata"].get("labels") or {})},
        "timestamp": iso(now - 7),
        "window": "20.05s",
        "usage": _format(total),
    }


def _format(usage: dict[str, Decimal]) -> dict[str, str]:
    return {"cpu": f"{int(usage['cpu'] * 10**9)}n", "memory": f"{int(usage['memory'] / 1024)}Ki"}


def resource_list() -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ],
    }
