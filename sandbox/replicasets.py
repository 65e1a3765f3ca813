"""The ReplicaSet controller: keeps `spec.replicas` pods alive from the template and reports
replicas / ready / available in status."""

from __future__ import annotations

from typing import Any

from .defaults import DEFAULT_TOLERATIONS
from .events import EventRecorder
from .kubelet import Kubelet, qos_class
from .meta import Obj, clone, owner_ref, safe_suffix
from .store import Store


def is_ready(pod: Obj) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def _deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Pods to remove first: unscheduled, pending, not ready, most restarts, newest (like ActivePods)."""
    status = pod.get("status") or {}
    restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase", "Pending"), 0)
    created = pod["metadata"].get("creationTimestamp", "")
    return (
        bool(pod["spec"].get("nodeName")),
        phase_rank,
        is_ready(pod),
        -restarts,
        _negate(created),
        _negate(pod["metadata"]["name"]),
    )


def _negate(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


class ReplicaSetController:
    def __init__(self, store: Store, events: EventRecorder, kubelet: Kubelet) -> None:
        self.store = store
        self.events = events
        self.kubelet = kubelet

    def sync(self, rs: Obj, pods: list[Obj], now: float) -> None:
        active = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        want = int(rs["spec"].get("replicas", 0))
        if len(active) < want:
            for _ in range(want - len(active)):
                active.append(self.create_pod(rs, now))
        elif len(active) > want:
            victims = sorted(active, key=_deletion_rank)[: len(active) - want]
            for pod in victims:
                self.kubelet.delete(pod, now)
                self.events.record(
                    rs,
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    component="replicaset-controller",
                    now=now,
                )
            gone = {id(p) for p in victims}
            active = [p for p in active if id(p) not in gone]
        self._update_status(rs, active, now)

    def create_pod(self, rs: Obj, now: float, *, quiet: bool = False) -> Obj:
        ns, rs_name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        template = rs["spec"]["template"]
        seed = self.store.resource_version
        name = f"{rs_name}-{safe_suffix(rs_name, seed)}"
        attempt = 0
        while self.store.get("pods", ns, name) is not None:
            attempt += 1
            name = f"{rs_name}-{safe_suffix(rs_name, seed, attempt)}"
        template_meta = template.get("metadata") or {}
        metadata: Obj = {
            "name": name,
            "generateName": f"{rs_name}-",
            "namespace": ns,
            "labels": dict(template_meta.get("labels") or {}),
        }
        if template_meta.get("annotations"):
            metadata["annotations"] = dict(template_meta["annotations"])
        metadata["ownerReferences"] = [owner_ref(rs, api_version="apps/v1", kind="ReplicaSet")]
        pod = {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": metadata,
            "spec": pod_spec_from(template),
            "status": {"phase": "Pending", "qosClass": qos_class(template.get("spec") or {})},
        }
        self.store.create("pods", pod, now=now)
        if not quiet:
            self.events.record(
                rs, "SuccessfulCreate", f"Created pod: {name}", component="replicaset-controller", now=now
            )
        return pod

    def _update_status(self, rs: Obj, active: list[Obj], now: float) -> None:
        min_ready = float(rs["spec"].get("minReadySeconds", 0))
        ready = [p for p in active if is_ready(p)]
        scale = self.kubelet.config.scaled
        available = [
            p for p in ready if now - self.store.timers.get(f"{p['metadata']['uid']}:ready", 0.0) >= scale(min_ready)
        ]
        status: Obj = {"replicas": len(active)}
        if active:
            status["fullyLabeledReplicas"] = len(active)
        if ready:
            status["readyReplicas"] = len(ready)
        if available:
            status["availableReplicas"] = len(available)
        status["observedGeneration"] = int(rs["metadata"].get("generation", 1))
        current = self.store.get("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])
        if current is not None and current.get("status") != status:
            new = clone(current)
            new["status"] = status
            self.store.update("replicasets", new)


def pod_spec_from(template: Obj) -> Obj:
    """What admission adds to a pod created from a template: service account, default tolerations."""
    spec: Obj = clone(template.get("spec") or {})
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    tolerations = list(spec.get("tolerations") or [])
    for default in DEFAULT_TOLERATIONS:
        if not any(t.get("key") == default["key"] for t in tolerations):
            tolerations.append(dict(default))
    spec["tolerations"] = tolerations
    return spec
