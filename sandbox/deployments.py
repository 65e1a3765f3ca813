"""The deployment controller: one ReplicaSet per distinct pod template, revisions, rolling and
recreate updates, history cleanup, and the status and conditions `kubectl rollout status` reads."""

from __future__ import annotations

from typing import Any

from . import rollout as r
from .config import SimConfig
from .events import EventRecorder
from .meta import Obj, annotations_of, clone, iso, owner_ref
from .store import Store
from .templates import HASH_LABEL, canonical, template_hash, with_hash


def _created(rs: Obj) -> tuple[str, int]:
    return rs["metadata"].get("creationTimestamp", ""), r.revision_of(rs)


def set_condition(
    conditions: list[Obj],
    ctype: str,
    status: str,
    reason: str,
    message: str,
    now: float,
    *,
    touch: bool = False,
) -> list[Obj]:
    """Kubernetes' SetDeploymentCondition: transition time moves only when the status flips."""
    old = next((c for c in conditions if c.get("type") == ctype), None)
    if (
        old
        and old.get("status") == status
        and old.get("reason") == reason
        and old.get("message") == message
        and not touch
    ):
        return conditions
    cond = {
        "type": ctype,
        "status": status,
        "lastUpdateTime": iso(now),
        "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") == status else iso(now),
        "reason": reason,
        "message": message,
    }
    rest = [c for c in conditions if c.get("type") != ctype]
    return sorted(
        [*rest, cond],
        key=lambda c: (
            ("Available", "Progressing", "ReplicaFailure").index(c["type"])
            if c["type"] in ("Available", "Progressing", "ReplicaFailure")
            else 9
        ),
    )


class DeploymentController:
    def __init__(self, store: Store, events: EventRecorder, config: SimConfig) -> None:
        self.store = store
        self.events = events
        self.config = config
        # Canonical template text by (uid, generation): ReplicaSet templates never change, and a
        # deployment's template changes only with its generation.
        self._canonical: dict[tuple[str, str], str] = {}

    def _template_text(self, obj: Obj) -> str:
        key = (str(obj["metadata"].get("uid")), str(obj["metadata"].get("generation", "")))
        text = self._canonical.get(key)
        if text is None:
            if len(self._canonical) > 10_000:
                self._canonical.clear()
            text = self._canonical[key] = canonical(obj["spec"]["template"])
        return text

    def sync(self, dep: Obj, owned: list[Obj], pods_left: dict[str, int], now: float) -> set[str]:
        """Reconcile one deployment; returns the names of ReplicaSets whose replicas changed."""
        spec = dep["spec"]
        ns = dep["metadata"]["namespace"]
        owned = sorted(owned, key=_created)
        wanted = self._template_text(dep)
        new_rs = next((rs for rs in owned if self._template_text(rs) == wanted), None)
        old = [rs for rs in owned if rs is not new_rs]
        touched: set[str] = set()
        created = None
        if spec.get("paused"):
            if new_rs is not None and all(r.spec_replicas(rs) == 0 for rs in old):
                touched |= self._scale(dep, new_rs, int(spec.get("replicas", 1)), now)
        else:
            max_old = max((r.revision_of(rs) for rs in old), default=0)
            if new_rs is None:
                new_rs = self._create_rs(dep, owned, max_old + 1, now)
                created = new_rs["metadata"]["name"]
                touched.add(created)
            else:
                new_rs = self._refresh_new_rs(dep, new_rs, max_old)
            self._note_revision(dep, new_rs)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                touched |= self._recreate(dep, new_rs, old, pods_left, now)
            else:
                touched |= self._rolling(dep, new_rs, old, now)
        fresh = [rs for rs in (self.store.get("replicasets", ns, o["metadata"]["name"]) for o in owned) if rs]
        if created and new_rs is not None:
            fresh.append(self.store.get("replicasets", ns, created) or new_rs)
        self._cleanup(
            dep,
            [rs for rs in fresh if new_rs is None or rs["metadata"]["name"] != new_rs["metadata"]["name"]],
            pods_left,
        )
        current_new = self.store.get("replicasets", ns, new_rs["metadata"]["name"]) if new_rs else None
        alive = [rs for rs in fresh if self.store.get("replicasets", ns, rs["metadata"]["name"]) is not None]
        self._update_status(dep["metadata"]["name"], ns, current_new, alive, created, now)
        return touched

    # -- ReplicaSets ---------------------------------------------------------------------------
    def _scale(self, dep: Obj, rs: Obj, replicas: int, now: float) -> set[str]:
        current = r.spec_replicas(rs)
        if current == replicas:
            return set()
        new = clone(rs)
        new["spec"]["replicas"] = replicas
        new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
        surge, _ = r.fenceposts(dep["spec"])
        desired = int(dep["spec"].get("replicas", 1))
        annotations = new["metadata"].setdefault("annotations", {})
        annotations[r.DESIRED_REPLICAS] = str(desired)
        annotations[r.MAX_REPLICAS] = str(desired + surge)
        self.store.update("replicasets", new)
        direction = "up" if replicas > current else "down"
        self.events.record(
            dep,
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {rs['metadata']['name']} from {current} to {replicas}",
            component="deployment-controller",
            now=now,
        )
        return {rs["metadata"]["name"]}

    def _create_rs(self, dep: Obj, owned: list[Obj], revision: int, now: float) -> Obj:
        spec = dep["spec"]
        ns, dep_name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        collisions = int((dep.get("status") or {}).get("collisionCount", 0) or 0)
        while True:
            pod_hash = template_hash(spec["template"], collisions)
            name = f"{dep_name}-{pod_hash}"
            if self.store.get("replicasets", ns, name) is None:
                break
            collisions += 1
        if collisions:
            d = clone(self.store.get("deployments", ns, dep_name) or dep)
            d.setdefault("status", {})["collisionCount"] = collisions
            self.store.update("deployments", d)
        template = with_hash(spec["template"], pod_hash)
        surge, _ = r.fenceposts(spec)
        desired = int(spec.get("replicas", 1))
        rolling = (spec.get("strategy") or {}).get("type") != "Recreate"
        replicas = r.new_rs_target(spec, 0, owned) if rolling else 0
        annotations = {k: v for k, v in annotations_of(dep).items() if k not in r.NOT_COPIED}
        annotations.update(
            {
                r.DESIRED_REPLICAS: str(desired),
                r.MAX_REPLICAS: str(desired + surge),
                r.REVISION: str(revision),
            }
        )
        selector: dict[str, Any] = clone(spec["selector"])
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
        rs_spec: dict[str, Any] = {"replicas": replicas, "selector": selector, "template": template}
        if spec.get("minReadySeconds"):
            rs_spec["minReadySeconds"] = spec["minReadySeconds"]
        rs = {
            "kind": "ReplicaSet",
            "apiVersion": "apps/v1",
            "metadata": {
                "name": name,
                "namespace": ns,
                "generation": 1,
                "labels": dict(template["metadata"]["labels"]),
                "annotations": annotations,
                "ownerReferences": [owner_ref(dep, api_version="apps/v1", kind="Deployment")],
            },
            "spec": rs_spec,
            "status": {"replicas": 0},
        }
        self.store.create("replicasets", rs, now=now)
        if replicas:
            self.events.record(
                dep,
                "ScalingReplicaSet",
                f"Scaled up replica set {name} from 0 to {replicas}",
                component="deployment-controller",
                now=now,
            )
        return rs

    def _refresh_new_rs(self, dep: Obj, rs: Obj, max_old: int) -> Obj:
        """The template's ReplicaSet becomes the newest revision and carries the deployment's annotations."""
        annotations = dict(annotations_of(rs))
        revision = r.revision_of(rs)
        if revision <= max_old:
            history = annotations.get(r.REVISION_HISTORY)
            annotations[r.REVISION_HISTORY] = f"{history},{revision}" if history else str(revision)
            annotations[r.REVISION] = str(max_old + 1)
        for key, value in annotations_of(dep).items():
            if key not in r.NOT_COPIED:
                annotations[key] = value
        if annotations == annotations_of(rs):
            return rs
        new = clone(rs)
        new["metadata"]["annotations"] = annotations
        return self.store.update("replicasets", new)

    def _note_revision(self, dep: Obj, new_rs: Obj) -> None:
        revision = str(r.revision_of(new_rs))
        current = self.store.get("deployments", dep["metadata"]["namespace"], dep["metadata"]["name"]) or dep
        if annotations_of(current).get(r.REVISION) != revision:
            d = clone(current)
            d["metadata"].setdefault("annotations", {})[r.REVISION] = revision
            self.store.update("deployments", d)

    def _rolling(self, dep: Obj, new_rs: Obj, old: list[Obj], now: float) -> set[str]:
        spec = dep["spec"]
        replicas = int(spec.get("replicas", 1))
        current = r.spec_replicas(new_rs)
        if current > replicas:
            return self._scale(dep, new_rs, replicas, now)
        target = r.new_rs_target(spec, current, [new_rs, *old])
        if target != current:
            return self._scale(dep, new_rs, target, now)
        touched: set[str] = set()
        for name, count in r.old_rs_scale_down(spec, new_rs, old).items():
            rs = next(o for o in old if o["metadata"]["name"] == name)
            touched |= self._scale(dep, rs, count, now)
        return touched

    def _recreate(self, dep: Obj, new_rs: Obj, old: list[Obj], pods_left: dict[str, int], now: float) -> set[str]:
        touched: set[str] = set()
        for rs in old:
            if r.spec_replicas(rs) > 0:
                touched |= self._scale(dep, rs, 0, now)
        if touched or any(pods_left.get(rs["metadata"]["uid"], 0) for rs in old):
            return touched
        return self._scale(dep, new_rs, int(dep["spec"].get("replicas", 1)), now)

    def _cleanup(self, dep: Obj, old: list[Obj], pods_left: dict[str, int]) -> None:
        limit = dep["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        idle = [
            rs
            for rs in old
            if r.spec_replicas(rs) == 0
            and r.status_count(rs, "replicas") == 0
            and not pods_left.get(rs["metadata"]["uid"], 0)
        ]
        idle.sort(key=r.revision_of)
        for rs in idle[: max(len(idle) - int(limit), 0)]:
            self.store.remove("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])

    # -- status --------------------------------------------------------------------------------
    def _update_status(
        self, name: str, ns: str, new_rs: Obj | None, all_rs: list[Obj], created: str | None, now: float
    ) -> None:
        dep = self.store.get("deployments", ns, name)
        if dep is None:
            return
        old_status = dep.get("status") or {}
        status = r.compute_status(dep, new_rs, all_rs)
        conditions = [dict(c) for c in old_status.get("conditions") or []]
        uid = dep["metadata"]["uid"]
        rs_name = new_rs["metadata"]["name"] if new_rs else ""
        spec = dep["spec"]
        if spec.get("paused"):
            conditions = set_condition(
                conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now
            )
        else:
            if created:
                conditions = set_condition(
                    conditions,
                    "Progressing",
                    "True",
                    "NewReplicaSetCreated",
                    f'Created new replica set "{created}"',
                    now,
                    touch=True,
                )
                self.store.timers[f"{uid}:progress"] = now
            if r.is_complete(dep, status):
                conditions = set_condition(
                    conditions,
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{rs_name}" has successfully progressed.',
                    now,
                )
            elif r.made_progress(old_status, status):
                conditions = set_condition(
                    conditions,
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    f'ReplicaSet "{rs_name}" is progressing.',
                    now,
                    touch=True,
                )
                self.store.timers[f"{uid}:progress"] = now
            elif self._timed_out(dep, conditions, now):
                conditions = set_condition(
                    conditions,
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{rs_name}" has timed out progressing.',
                    now,
                )
        _, unavailable = r.fenceposts(spec)
        if status.get("availableReplicas", 0) >= int(spec.get("replicas", 1)) - unavailable:
            conditions = set_condition(
                conditions,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now,
            )
        else:
            conditions = set_condition(
                conditions,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            )
        status["conditions"] = conditions
        if status != old_status:
            d = clone(dep)
            d["status"] = status
            self.store.update("deployments", d)

    def _timed_out(self, dep: Obj, conditions: list[Obj], now: float) -> bool:
        cond = next((c for c in conditions if c.get("type") == "Progressing"), None)
        deadline = dep["spec"].get("progressDeadlineSeconds")
        if cond is None or deadline is None or cond.get("reason") == "NewReplicaSetAvailable":
            return False
        if cond.get("reason") == "ProgressDeadlineExceeded":
            return True
        key = f"{dep['metadata']['uid']}:progress"
        started = self.store.timers.setdefault(key, now)
        return now > started + self.config.scaled(float(deadline))
