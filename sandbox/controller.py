"""One reconcile pass over the whole cluster: kubelet timers, garbage collection, ReplicaSets,
Deployments, scheduling. `Cluster` calls `tick()` from its background thread."""

from __future__ import annotations

import time
from collections import defaultdict

from .config import SimConfig
from .deployments import DeploymentController
from .events import EventRecorder
from .faults.engine import FaultEngine
from .gpu_operator import GpuOperator
from .jobs import JobController
from .kubelet import Kubelet
from .meta import Obj, controller_uid
from .replicasets import ReplicaSetController
from .scheduler import Scheduler
from .store import Store

_MANAGED_OWNERS = {"pods": "ReplicaSet", "replicasets": "Deployment"}


class Controller:
    def __init__(self, store: Store, config: SimConfig) -> None:
        self.store = store
        self.config = config
        self.events = EventRecorder(store, config.scaled(config.event_ttl_seconds), config.max_events)
        self.kubelet = Kubelet(store, self.events, config)
        self.faults = FaultEngine(store, self.events, config, self.kubelet)
        self.kubelet.faults = self.faults
        self.replicasets = ReplicaSetController(store, self.events, self.kubelet)
        self.deployments = DeploymentController(store, self.events, config)
        self.jobs = JobController(store, self.events, config)
        self.gpu_operator = GpuOperator(store, self.events, config)
        self.heartbeat = max(config.tick, min(0.5, config.scaled(1.0)))
        self._reconciled_at = -1.0
        self._reconciled_mutations = -1
        self._pruned_at = 0.0

    def tick(self, now: float | None = None) -> None:
        with self.store.lock:
            now = time.time() if now is None else now
            for pod in self.store.items("pods"):
                self.kubelet.advance(pod, now)
            self.faults.tick(now)
            self.gpu_operator.tick(now)
            due = now - self._reconciled_at >= self.heartbeat
            if self.store.mutations != self._reconciled_mutations or due:
                self.reconcile(now)
                self._reconciled_at = now
                self._reconciled_mutations = self.store.mutations
            if now - self._pruned_at >= max(self.heartbeat, 1.0):
                self.events.prune(now)
                self._pruned_at = now

    def reconcile(self, now: float) -> None:
        self._collect_garbage(now)
        pods_by_owner = self._pods_by_owner()
        for rs in self.store.items("replicasets"):
            self.replicasets.sync(rs, pods_by_owner.get(rs["metadata"]["uid"], []), now)
        rs_by_owner: dict[str, list[Obj]] = defaultdict(list)
        for rs in self.store.items("replicasets"):
            owner = controller_uid(rs)
            if owner:
                rs_by_owner[owner].append(rs)
        left = {uid: len(pods) for uid, pods in pods_by_owner.items()}
        touched: set[tuple[str, str]] = set()
        for dep in self.store.items("deployments"):
            ns = dep["metadata"]["namespace"]
            names = self.deployments.sync(dep, rs_by_owner.get(dep["metadata"]["uid"], []), left, now)
            touched |= {(ns, n) for n in names}
        if touched:
            pods_by_owner = self._pods_by_owner()
            for ns, name in sorted(touched):
                current = self.store.get("replicasets", ns, name)
                if current is not None:
                    self.replicasets.sync(current, pods_by_owner.get(current["metadata"]["uid"], []), now)
        self._schedule(now)
        self.jobs.sync_all(now)

    def _pods_by_owner(self) -> dict[str, list[Obj]]:
        index: dict[str, list[Obj]] = defaultdict(list)
        for pod in self.store.items("pods"):
            owner = controller_uid(pod)
            if owner:
                index[owner].append(pod)
        return index

    def _collect_garbage(self, now: float) -> None:
        """Background cascading deletion: dependents of a deleted Deployment / ReplicaSet go too."""
        for resource, owner_kind in _MANAGED_OWNERS.items():
            owners = {
                o["metadata"]["uid"]
                for o in self.store.items("replicasets" if owner_kind == "ReplicaSet" else "deployments")
            }
            for obj in self.store.items(resource):
                refs = [
                    ref
                    for ref in obj["metadata"].get("ownerReferences") or []
                    if ref.get("controller") and ref.get("kind") == owner_kind
                ]
                if not refs or refs[0].get("uid") in owners:
                    continue
                if resource == "pods":
                    self.kubelet.delete(obj, now)
                else:
                    self.store.remove(resource, obj["metadata"]["namespace"], obj["metadata"]["name"])

    def _schedule(self, now: float) -> None:
        pending = [
            p
            for p in self.store.items("pods")
            if not p["spec"].get("nodeName") and not p["metadata"].get("deletionTimestamp")
        ]
        if not pending:
            return
        scheduler = Scheduler(self.store.items("nodes"), self.store.items("pods"))
        for pod in sorted(pending, key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"])):
            placement = scheduler.place(pod)
            if placement.node:
                self.kubelet.bind(pod, placement.node, now)
            else:
                self.kubelet.unschedulable(pod, placement.message, now)
