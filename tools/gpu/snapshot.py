"""Build a `Snapshot` from Kubernetes objects: the output of `kubectl get nodes,pods -A -o json`
(optionally with `pdb` too), or lists read from the API. Only the fields the planner needs are
read; a file that is not such a document is a `SnapshotError` with one line saying why."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from opsgraph.core.files import InputFileError, loads_json, read_text
from opsgraph.tools.gpu.model import (
    GpuNode,
    GpuPod,
    Pdb,
    Requirement,
    Snapshot,
    Taint,
    Toleration,
    is_gpu_resource,
    quantity,
)

Obj = dict[str, Any]
FINISHED = ("Succeeded", "Failed")


class SnapshotError(ValueError):
    """A snapshot file that cannot be used; the message is one line for the user."""


def load_snapshot(path: Path) -> Snapshot:
    try:
        text = read_text(path)
        document = loads_json(text, path)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read the snapshot ({exc.strerror or exc})") from exc
    except InputFileError as exc:
        raise SnapshotError(str(exc)) from None
    except ValueError as exc:
        raise SnapshotError(f"{path}: not JSON ({exc}); expected `kubectl get nodes,pods -A -o json`") from exc
    try:
        return from_objects(_items(document))
    except SnapshotError as exc:
        raise SnapshotError(f"{path}: {exc}") from exc


def _items(document: Any) -> list[Obj]:
    if isinstance(document, list):
        return [item for part in document for item in _items(part)]
    if not isinstance(document, dict):
        raise SnapshotError("expected a Kubernetes List with `items` (kubectl get nodes,pods -A -o json)")
    if isinstance(document.get("items"), list):
        kind = str(document.get("kind") or "")
        items = [i for i in document["items"] if isinstance(i, dict)]
        if kind.endswith("List") and kind != "List":  # NodeList/PodList items carry no kind
            for item in items:
                item.setdefault("kind", kind[: -len("List")])
        return items
    if document.get("kind") in ("Node", "Pod", "PodDisruptionBudget"):
        return [document]
    raise SnapshotError("expected a Kubernetes List with `items` (kubectl get nodes,pods -A -o json)")


def from_objects(items: Iterable[Obj]) -> Snapshot:
    nodes: list[GpuNode] = []
    pods: list[GpuPod] = []
    pdbs: list[Pdb] = []
    other: dict[str, dict[str, float]] = {}
    for item in items:
        kind = item.get("kind")
        try:
            if kind == "Node":
                nodes.append(node_from(item))
            elif kind == "Pod":
                phase = (item.get("status") or {}).get("phase") or "Pending"
                if phase in FINISHED or (item.get("metadata") or {}).get("deletionTimestamp"):
                    continue
                pod = pod_from(item)
                if pod.gpu_resources:
                    pods.append(pod)
                elif pod.node:
                    used = other.setdefault(pod.node, {})
                    for key, value in pod.requests.items():
                        used[key] = used.get(key, 0.0) + value
            elif kind == "PodDisruptionBudget":
                pdbs.append(pdb_from(item))
        except (KeyError, TypeError, ValueError) as exc:
            name = ((item.get("metadata") or {}) if isinstance(item, dict) else {}).get("name", "?")
            raise SnapshotError(f"{kind} {name}: malformed ({exc})") from exc
    if not nodes:
        raise SnapshotError("no Node objects in the snapshot (use `kubectl get nodes,pods -A -o json`)")
    return Snapshot(tuple(nodes), tuple(pods), tuple(pdbs), other)


def node_from(obj: Obj) -> GpuNode:
    md, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    allocatable = {}
    for key, value in (status.get("allocatable") or status.get("capacity") or {}).items():
        try:
            allocatable[key] = quantity(value)
        except ValueError:
            continue
    taints = tuple(
        Taint(str(t.get("key", "")), str(t.get("value") or ""), str(t.get("effect", "")))
        for t in spec.get("taints") or []
    )
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []
    ) or not status.get("conditions")
    return GpuNode(
        name=str(md["name"]),
        labels=dict(md.get("labels") or {}),
        allocatable=allocatable,
        taints=taints,
        unschedulable=bool(spec.get("unschedulable")),
        ready=ready,
    )


def pod_requests(spec: Obj) -> dict[str, float]:
    """Effective requests: the sum over containers (a request defaults to its limit), at least the
    largest init container, plus the pod overhead."""
    total: dict[str, float] = {}
    for container in spec.get("containers") or []:
        for key, value in _container_requests(container).items():
            total[key] = total.get(key, 0.0) + value
    for container in spec.get("initContainers") or []:
        for key, value in _container_requests(container).items():
            total[key] = max(total.get(key, 0.0), value)
    for key, value in (spec.get("overhead") or {}).items():
        total[key] = total.get(key, 0.0) + quantity(value)
    total["pods"] = 1.0
    return total


def _container_requests(container: Obj) -> dict[str, float]:
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    out = {}
    for key, value in merged.items():
        # Extended resources (GPUs) are requested through limits; cpu/memory through requests.
        if key in (resources.get("requests") or {}) or is_gpu_resource(key) or key in ("cpu", "memory"):
            out[key] = quantity(value)
    return out


def pod_from(obj: Obj) -> GpuPod:
    md, spec = obj["metadata"], obj.get("spec") or {}
    owner = next((r for r in md.get("ownerReferences") or [] if r.get("controller")), None)
    owner = owner or next(iter(md.get("ownerReferences") or []), None)
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        or {}
    ).get("nodeSelectorTerms") or []
    affinity = tuple(
        tuple(
            Requirement(str(e.get("key", "")), str(e.get("operator", "")), tuple(str(v) for v in e.get("values") or []))
            for e in term.get("matchExpressions") or []
        )
        for term in required
    )
    tolerations = tuple(
        Toleration(t.get("key"), t.get("operator") or "Equal", t.get("value"), t.get("effect"))
        for t in spec.get("tolerations") or []
    )
    return GpuPod(
        namespace=str(md.get("namespace") or "default"),
        name=str(md["name"]),
        node=spec.get("nodeName") or None,
        requests=pod_requests(spec),
        priority=int(spec.get("priority") or 0),
        owner_kind=str(owner.get("kind", "")) if owner else "",
        owner_name=str(owner.get("name", "")) if owner else "",
        labels=dict(md.get("labels") or {}),
        annotations=dict(md.get("annotations") or {}),
        node_selector=dict(spec.get("nodeSelector") or {}),
        affinity=affinity,
        tolerations=tolerations,
        phase=str((obj.get("status") or {}).get("phase") or "Pending"),
    )


def pdb_from(obj: Obj) -> Pdb:
    md, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    selector = spec.get("selector") or {}
    expressions = tuple(
        Requirement(str(e.get("key", "")), str(e.get("operator", "")), tuple(str(v) for v in e.get("values") or []))
        for e in selector.get("matchExpressions") or []
    )
    allowed = status.get("disruptionsAllowed")
    return Pdb(
        namespace=str(md.get("namespace") or "default"),
        name=str(md["name"]),
        selector=dict(selector.get("matchLabels") or {}),
        expressions=expressions,
        min_available=None if spec.get("minAvailable") is None else str(spec["minAvailable"]),
        max_unavailable=None if spec.get("maxUnavailable") is None else str(spec["maxUnavailable"]),
        disruptions_allowed=None if allowed is None else int(allowed),
    )
