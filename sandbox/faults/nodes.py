"""A node that stops being Ready, as the node lifecycle controller shows it: the conditions go
Unknown (the kubelet stopped posting status) or False (the kubelet reports itself not ready), the
node gets the `unreachable` / `not-ready` taints, its pods are marked not ready, and the taint
manager evicts them when their tolerations run out (300 s by default). Pods on an unreachable node
stay Terminating: no kubelet confirms they stopped."""

from __future__ import annotations

from typing import Any

from ..events import EventRecorder
from ..kubelet import Kubelet
from ..meta import Obj, clone, iso, parse_iso
from ..scheduler import tolerates
from ..store import Store
from .spec import Fault, FaultError, NodeNotReadyParams

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
_UNKNOWN = "Kubelet stopped posting node status."
_RUNTIME = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
_HEALTHY = {
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}


def add_taints(store: Store, node: Obj, taints: list[dict[str, Any]]) -> None:
    new = clone(node)
    spec = new.setdefault("spec", {})
    current = list(spec.get("taints") or [])
    for taint in taints:
        if not any(t.get("key") == taint["key"] and t.get("effect") == taint["effect"] for t in current):
            current.append(dict(taint))
    spec["taints"] = current
    store.update("nodes", new)


def remove_taints(store: Store, name: str, taints: list[dict[str, Any]]) -> None:
    node = store.get("nodes", "", name)
    if node is None:
        return
    new = clone(node)
    gone = {(t["key"], t["effect"]) for t in taints}
    kept = [t for t in (new.get("spec") or {}).get("taints") or [] if (t.get("key"), t.get("effect")) not in gone]
    if kept:
        new["spec"]["taints"] = kept
    else:
        new.get("spec", {}).pop("taints", None)
    store.update("nodes", new)


def pods_on(store: Store, node: str) -> list[Obj]:
    return [p for p in store.sorted_items("pods") if (p.get("spec") or {}).get("nodeName") == node]


def apply_node_notready(store: Store, events: EventRecorder, fault: Fault, now: float) -> dict[str, Any]:
    opts: NodeNotReadyParams = fault.options()
    node = store.get("nodes", "", fault.name)
    if node is None:
        raise FaultError(f"node-notready: node {fault.name} not found")
    unreachable = opts.reason == "unreachable"
    key = UNREACHABLE if unreachable else NOT_READY
    new = clone(node)
    conditions = []
    for cond in (new.get("status") or {}).get("conditions") or []:
        cond = dict(cond)
        if unreachable:
            cond.update(status="Unknown", reason="NodeStatusUnknown", message=_UNKNOWN, lastTransitionTime=iso(now))
        elif cond["type"] == "Ready":
            cond.update(status="False", reason="KubeletNotReady", message=_RUNTIME, lastTransitionTime=iso(now))
            cond["lastHeartbeatTime"] = iso(now)
        conditions.append(cond)
    new["status"]["conditions"] = conditions
    store.update("nodes", new)
    taints = [
        {"key": key, "effect": "NoSchedule", "timeAdded": iso(now)},
        {"key": key, "effect": "NoExecute", "timeAdded": iso(now)},
    ]
    add_taints(store, new, taints)
    events.record(
        new, "NodeNotReady", f"Node {fault.name} status is now: NodeNotReady", component="node-controller", now=now
    )
    for pod in pods_on(store, fault.name):
        _mark_not_ready(store, events, pod, now)
    store.timers[f"{new['metadata']['uid']}:noexecute"] = now
    return {"node": fault.name, "taints": taints, "unreachable": unreachable}


def _mark_not_ready(store: Store, events: EventRecorder, pod: Obj, now: float) -> None:
    """The node lifecycle controller's MarkPodsNotReady: only the Ready condition flips."""
    if pod["metadata"].get("deletionTimestamp"):
        return
    new = clone(pod)
    changed = False
    for cond in (new.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") != "False":
            cond.update(status="False", lastTransitionTime=iso(now))
            changed = True
    if changed:
        store.update("pods", new)
        events.record(new, "NodeNotReady", "Node is not ready", type_="Warning", component="node-controller", now=now)


def clear_node_notready(store: Store, events: EventRecorder, record: dict[str, Any], now: float) -> None:
    node = store.get("nodes", "", record["node"])
    if node is None:
        return
    new = clone(node)
    for cond in (new.get("status") or {}).get("conditions") or []:
        status, reason, message = _HEALTHY.get(cond["type"], ("False", cond.get("reason", ""), cond.get("message", "")))
        if cond.get("status") != status:
            cond["lastTransitionTime"] = iso(now)
        cond.update(status=status, reason=reason, message=message, lastHeartbeatTime=iso(now))
    store.update("nodes", new)
    remove_taints(store, record["node"], record["taints"])
    store.timers.pop(f"{new['metadata']['uid']}:noexecute", None)
    events.record(
        new, "NodeReady", f"Node {record['node']} status is now: NodeReady", component="node-controller", now=now
    )
    for pod in pods_on(store, record["node"]):
        if not pod["metadata"].get("deletionTimestamp"):
            store.timers[f"{pod['metadata']['uid']}:retry"] = now  # the kubelet reports the pod again


def evict_untolerated(store: Store, events: EventRecorder, kubelet: Kubelet, scale: float, now: float) -> None:
    """The taint manager: pods on a node with NoExecute taints they do not tolerate (or tolerate
    for `tolerationSeconds` that have passed) are deleted."""
    for node in store.items("nodes"):
        taints = [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        if not taints:
            continue
        since = store.timers.get(f"{node['metadata']['uid']}:noexecute")
        for pod in pods_on(store, node["metadata"]["name"]):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if _eviction_due(pod, taints, since, scale, now):
                md = pod["metadata"]
                events.record(
                    pod,
                    "TaintManagerEviction",
                    f"Marking for deletion Pod {md['namespace']}/{md['name']}",
                    component="taint-eviction-controller",
                    now=now,
                )
                kubelet.delete(pod, now)


def _eviction_due(pod: Obj, taints: list[dict[str, Any]], since: float | None, scale: float, now: float) -> bool:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in taints:
        matching = [t for t in tolerations if tolerates([t], taint)]
        if not matching:
            return True
        limits = [t.get("tolerationSeconds") for t in matching]
        if any(limit is None for limit in limits):
            continue  # tolerated forever
        added = since if since is not None else parse_iso(str(taint.get("timeAdded") or iso(now)))
        if now >= added + min(float(v) for v in limits if v is not None) * scale:
            return True
    return False
