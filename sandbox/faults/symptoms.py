"""Whether a fault already shows the way an investigator would find it (for `inject(wait=...)`):
a crash loop with a restart, a pull back-off, a failed probe event, an Unschedulable pod, evicted
pods on a NotReady node, an exceeded progress deadline."""

from __future__ import annotations

from typing import Any

from ..meta import Obj
from ..store import Store
from .engine import in_scope


def _pods(store: Store, record: dict[str, Any]) -> list[Obj]:
    namespace = record["target"].partition("/")[0]
    selector = record.get("selector") or {}
    pods = []
    for pod in store.items("pods", namespace):
        labels = pod["metadata"].get("labels") or {}
        if pod["metadata"].get("deletionTimestamp") or any(labels.get(k) != v for k, v in selector.items()):
            continue
        if not any(in_scope(record, c) for c in pod["spec"]["containers"]):
            continue
        pods.append(pod)
    return pods


def _container_states(store: Store, record: dict[str, Any]) -> list[tuple[Obj, dict[str, Any]]]:
    out = []
    for pod in _pods(store, record):
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if cs.get("name") == record.get("container"):
                out.append((pod, cs))
    return out


def _waiting(cs: dict[str, Any]) -> str:
    return str(((cs.get("state") or {}).get("waiting") or {}).get("reason", ""))


def _last_exit(cs: dict[str, Any]) -> str:
    return str(((cs.get("lastState") or {}).get("terminated") or {}).get("reason", ""))


def _probe_failed(store: Store, pod: Obj) -> bool:
    uid = pod["metadata"]["uid"]
    return any(
        e.get("reason") == "Unhealthy" and (e.get("involvedObject") or {}).get("uid") == uid
        for e in store.items("events", pod["metadata"]["namespace"])
    )


def _deadline_exceeded(store: Store, record: dict[str, Any]) -> bool:
    namespace, _, name = record["target"].partition("/")
    dep = store.get("deployments", namespace, name) or {}
    return any(
        c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"
        for c in (dep.get("status") or {}).get("conditions") or []
    )


def shows(store: Store, record: dict[str, Any]) -> bool:
    kind = record["kind"]
    states = _container_states(store, record) if kind not in ("node-notready", "hpa-max", "pending") else []
    if kind == "crashloop":
        return any(_waiting(cs) == "CrashLoopBackOff" and _last_exit(cs) == "Error" for _, cs in states)
    if kind == "oom":
        return any(_waiting(cs) == "CrashLoopBackOff" and _last_exit(cs) == "OOMKilled" for _, cs in states)
    if kind == "image-pull":
        return any(_waiting(cs) == "ImagePullBackOff" for _, cs in states)
    if kind == "missing-configmap-key":
        return any(_waiting(cs) == "CreateContainerConfigError" for _, cs in states)
    if kind == "readiness":
        return any("running" in (cs.get("state") or {}) and _probe_failed(store, pod) for pod, cs in states)
    if kind == "stuck-rollout":
        return _deadline_exceeded(store, record)
    if kind == "pending":
        return any(
            c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
            for pod in _pods(store, record)
            for c in (pod.get("status") or {}).get("conditions") or []
        )
    if kind == "hpa-max":
        namespace, _, name = record["target"].partition("/")
        return store.get("horizontalpodautoscalers", namespace, name) is not None
    if kind == "node-notready":
        node = store.get("nodes", "", record["node"]) or {}
        ready = {c["type"]: c["status"] for c in (node.get("status") or {}).get("conditions") or []}.get("Ready")
        pods = [p for p in store.items("pods") if (p.get("spec") or {}).get("nodeName") == record["node"]]
        return ready != "True" and all(p["metadata"].get("deletionTimestamp") or _tolerates_forever(p) for p in pods)
    return True


def _tolerates_forever(pod: Obj) -> bool:
    return any(
        t.get("operator") == "Exists" and not t.get("key") and t.get("tolerationSeconds") is None
        for t in (pod.get("spec") or {}).get("tolerations") or []
    )
