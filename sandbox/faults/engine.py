"""The faults in effect on a running sandbox: inject, clear, and what the kubelet, the logs, the
metrics API and the controller ask of them.

Records live in `store.faults` (saved with the state file), never in API objects: nothing the
cluster serves says "fault". Call everything with the store lock held (the `Cluster` methods do).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from ..config import Behaviour, SimConfig
from ..events import EventRecorder
from ..kubelet import Kubelet
from ..meta import Obj, clone, iso
from ..store import Store
from . import hpa, nodes, releases, workloads
from .spec import NODE_KINDS, Fault, FaultError


class FaultEngine:
    def __init__(self, store: Store, events: EventRecorder, config: SimConfig, kubelet: Kubelet) -> None:
        self.store = store
        self.events = events
        self.config = config
        self.kubelet = kubelet

    # -- inject / clear ------------------------------------------------------------------------
    def active(self) -> list[dict[str, Any]]:
        return [public(r) for r in self.store.faults]

    def inject(self, fault: Fault, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        fault.options()
        for record in self.store.faults:
            if record["kind"] == fault.kind and record["target"] == fault.target:
                raise FaultError(f"{fault.kind} is already injected on {fault.target}; clear it first")
        if fault.kind in NODE_KINDS:
            details = nodes.apply_node_notready(self.store, self.events, fault, now)
        else:
            dep = releases.deployment(self.store, fault)
            details = self._apply_workload(fault, dep, now)
        record = {
            "kind": fault.kind,
            "target": fault.target,
            "params": dict(fault.params),
            "injected_at": now,
            **details,
        }
        self.store.faults = [*self.store.faults, record]
        if record.get("behaviour") and not _scoped(record):
            self._resync(record, now)  # in place: the running pods meet the fault at their next sync
        return public(record)

    def _apply_workload(self, fault: Fault, dep: Obj, now: float) -> dict[str, Any]:
        if fault.kind == "crashloop":
            return workloads.apply_crashloop(self.store, fault, dep)
        if fault.kind == "image-pull":
            return workloads.apply_image_pull(self.store, fault, dep)
        if fault.kind == "oom":
            return workloads.apply_oom(self.store, fault, dep)
        if fault.kind == "readiness":
            return workloads.apply_readiness(self.store, fault, dep)
        if fault.kind == "missing-configmap-key":
            return workloads.apply_missing_configmap_key(self.store, fault, dep)
        if fault.kind == "pending":
            return workloads.apply_pending(self.store, fault, dep, iso(now))
        if fault.kind == "stuck-rollout":
            return workloads.apply_stuck_rollout(self.store, fault, dep)
        if fault.kind == "hpa-max":
            return hpa.apply_hpa_max(self.store, self.events, fault, dep, now)
        raise AssertionError(f"no handler for fault kind {fault.kind}")

    def clear(
        self, kind: str | None = None, target: str | None = None, now: float | None = None
    ) -> list[dict[str, Any]]:
        """Undo the matching faults (all when no filter); returns what was cleared."""
        now = time.time() if now is None else now
        gone = [
            r
            for r in self.store.faults
            if (kind is None or r["kind"] == kind) and (target is None or r["target"] == target)
        ]
        if not gone:
            return []
        self.store.faults = [r for r in self.store.faults if r not in gone]
        for record in gone:
            self._undo(record, now)
        return [public(r) for r in gone]

    def _undo(self, record: dict[str, Any], now: float) -> None:
        namespace, _, name = record["target"].partition("/")
        if record["kind"] in NODE_KINDS:
            nodes.clear_node_notready(self.store, self.events, record, now)
            return
        if record["kind"] == "hpa-max":
            hpa.clear_hpa_max(self.store, (namespace, name), record)
            return
        if "release" in record:
            releases.undo(self.store, namespace, name, record["release"])
        tainted = record.get("tainted")
        if tainted:
            for node in tainted["nodes"]:
                nodes.remove_taints(self.store, node, [tainted["taint"]])
        dep = self.store.get("deployments", namespace, name)
        if dep is not None:
            if record.get("replicas_before") is not None:
                self._set_spec(dep, replicas=int(record["replicas_before"]))
            elif "deadline_before" in record:
                self._set_spec(dep, progressDeadlineSeconds=record["deadline_before"])
        self._resync(record, now)

    def _set_spec(self, dep: Obj, **fields: Any) -> None:
        new = clone(dep)
        for key, value in fields.items():
            if value is None:
                new["spec"].pop(key, None)
            else:
                new["spec"][key] = value
        new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
        self.store.update("deployments", new)

    def _resync(self, record: dict[str, Any], now: float) -> None:
        namespace = record["target"].partition("/")[0]
        for pod in self.store.items("pods", namespace):
            started = (pod.get("status") or {}).get("containerStatuses") and pod["spec"].get("nodeName")
            if started and _selected(pod, record) and not pod["metadata"].get("deletionTimestamp"):
                self.store.timers[f"{pod['metadata']['uid']}:retry"] = now

    # -- what the simulation asks --------------------------------------------------------------
    def _records_for(self, pod: Obj, container: str) -> list[dict[str, Any]]:
        namespace = pod["metadata"].get("namespace")
        found = []
        for record in self.store.faults:
            if record["kind"] in NODE_KINDS or record["target"].partition("/")[0] != namespace:
                continue
            if record.get("container") not in (None, container) or not _selected(pod, record):
                continue
            found.append(record)
        return found

    def behaviour(self, pod: Obj, container: dict[str, Any]) -> Behaviour | None:
        for record in self._records_for(pod, str(container.get("name"))):
            wanted = record.get("behaviour")
            if not wanted or not in_scope(record, container):
                continue
            message = str(wanted.get("message", "")).replace(
                "{pod_ip}", str((pod.get("status") or {}).get("podIP", ""))
            )
            return Behaviour(wanted["outcome"], message, int(wanted.get("exit_code", 1)))
        return None

    def story(self, pod: Obj, container: dict[str, Any]) -> str | None:
        """The line the app logs about its trouble (why it exits, why it is not ready)."""
        for record in self._records_for(pod, str(container.get("name"))):
            if record.get("story") and in_scope(record, container):
                return str(record["story"])
        return None

    def usage(self, pod: Obj, container: dict[str, Any]) -> dict[str, Decimal]:
        """Usage figures the metrics API reports instead of the baseline: a working set at the memory
        limit before an OOM kill, CPU above the HPA target."""
        out: dict[str, Decimal] = {}
        for record in self._records_for(pod, str(container.get("name"))):
            if record["kind"] == "oom" and in_scope(record, container):
                out["memory"] = Decimal(record["usage"]["memory"])
            if record["kind"] == "hpa-max":
                out["cpu_fraction"] = Decimal(record["cpu_utilization"]) / 100
        return out

    def node_down(self, node: str) -> bool:
        return any(
            r["kind"] == "node-notready" and r.get("unreachable") and r["node"] == node for r in self.store.faults
        )

    def tick(self, now: float) -> None:
        nodes.evict_untolerated(self.store, self.events, self.kubelet, self.config.time_scale, now)
        for record in self.store.faults:
            if record["kind"] == "hpa-max":
                namespace, _, name = record["target"].partition("/")
                hpa.refresh(self.store, namespace, name)

    # -- has it shown yet? ---------------------------------------------------------------------
    def manifested(self) -> bool:
        return all(self._shows(r) for r in self.store.faults)

    def _shows(self, record: dict[str, Any]) -> bool:
        from .symptoms import shows

        return shows(self.store, record)


def _scoped(record: dict[str, Any]) -> bool:
    """The fault came with a release: only the release's containers have it."""
    return "image" in record or "memory_limit" in record


def in_scope(record: dict[str, Any], container: dict[str, Any]) -> bool:
    if "image" in record and container.get("image") != record["image"]:
        return False
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    return "memory_limit" not in record or str(limit) == record["memory_limit"]


def _selected(pod: Obj, record: dict[str, Any]) -> bool:
    selector = record.get("selector")
    if not selector:
        return False
    labels = pod["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def public(record: dict[str, Any]) -> dict[str, Any]:
    """What `fault list` and the admin endpoint show of a record."""
    out = {"kind": record["kind"], "target": record["target"], "params": record.get("params", {})}
    out["injected_at"] = iso(record.get("injected_at"))
    if record.get("image"):
        out["release_image"] = record["image"]
    return out
