"""Typed, read-only views of the API objects the Kubernetes tools look at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"

RolloutState = Literal["complete", "progressing", "failed"]


def label_selector(match_labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


def _containers(template: Obj) -> dict[str, str]:
    spec = template.get("spec") or {}
    return {c["name"]: c.get("image", "") for c in spec.get("containers") or []}


@dataclass(frozen=True)
class DeploymentView:
    namespace: str
    name: str
    uid: str
    desired: int
    current: int
    ready: int
    updated: int
    available: int
    images: dict[str, str]
    revision: int
    generation: int
    observed_generation: int
    selector: str
    change_cause: str
    conditions: dict[str, tuple[str, str, str]]

    @classmethod
    def of(cls, obj: Obj) -> DeploymentView:
        meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
        annotations = meta.get("annotations") or {}
        return cls(
            namespace=meta.get("namespace", ""),
            name=meta.get("name", ""),
            uid=meta.get("uid", ""),
            desired=int(spec.get("replicas", 1)),
            current=int(status.get("replicas", 0)),
            ready=int(status.get("readyReplicas", 0)),
            updated=int(status.get("updatedReplicas", 0)),
            available=int(status.get("availableReplicas", 0)),
            images=_containers(spec.get("template") or {}),
            revision=int(annotations.get(REVISION, 0) or 0),
            generation=int(meta.get("generation", 0)),
            observed_generation=int(status.get("observedGeneration", 0)),
            selector=label_selector((spec.get("selector") or {}).get("matchLabels") or {}),
            change_cause=annotations.get(CHANGE_CAUSE, ""),
            conditions={
                c.get("type", ""): (c.get("status", ""), c.get("reason", ""), c.get("message", ""))
                for c in status.get("conditions") or []
            },
        )

    @property
    def image_summary(self) -> str:
        return ", ".join(self.images.values())

    def rollout_state(self) -> RolloutState:
        """The same judgement `kubectl rollout status` makes."""
        progressing = self.conditions.get("Progressing")
        if progressing and progressing[1] == "ProgressDeadlineExceeded":
            return "failed"
        done = (
            self.observed_generation >= self.generation
            and self.updated >= self.desired
            and self.current <= self.updated
            and self.available >= self.desired
        )
        return "complete" if done else "progressing"

    def progress_line(self) -> str:
        return f"{self.updated}/{self.desired} updated, {self.available}/{self.desired} available"


@dataclass(frozen=True)
class ReplicaSetView:
    name: str
    revision: int
    replicas: int
    images: dict[str, str]
    change_cause: str
    template: Obj
    owner_uid: str
    created: str = ""  # creationTimestamp: when this revision was rolled out

    @classmethod
    def of(cls, obj: Obj) -> ReplicaSetView:
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        annotations = meta.get("annotations") or {}
        owners = [o for o in meta.get("ownerReferences") or [] if o.get("controller")]
        template = spec.get("template") or {}
        return cls(
            name=meta.get("name", ""),
            revision=int(annotations.get(REVISION, 0) or 0),
            replicas=int(spec.get("replicas", 0)),
            images=_containers(template),
            change_cause=annotations.get(CHANGE_CAUSE, ""),
            template=template,
            owner_uid=owners[0].get("uid", "") if owners else "",
            created=meta.get("creationTimestamp", "") or "",
        )


@dataclass(frozen=True)
class PodView:
    name: str
    phase: str
    ready: bool
    restarts: int
    node: str
    waiting_reason: str
    containers: tuple[str, ...]
    created: str

    @classmethod
    def of(cls, obj: Obj) -> PodView:
        meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
        statuses = status.get("containerStatuses") or []
        waiting = [s["state"]["waiting"].get("reason", "") for s in statuses if (s.get("state") or {}).get("waiting")]
        return cls(
            name=meta.get("name", ""),
            phase=status.get("phase", "Unknown"),
            ready=bool(statuses) and all(s.get("ready") for s in statuses),
            restarts=sum(int(s.get("restartCount", 0)) for s in statuses),
            node=spec.get("nodeName", ""),
            waiting_reason=waiting[0] if waiting else "",
            containers=tuple(c["name"] for c in spec.get("containers") or []),
            created=meta.get("creationTimestamp", ""),
        )

    @property
    def state(self) -> str:
        return self.waiting_reason or self.phase


@dataclass(frozen=True)
class EventView:
    type: str
    reason: str
    message: str
    count: int
    last_seen: str
    object: str

    @classmethod
    def of(cls, obj: Obj) -> EventView:
        involved = obj.get("involvedObject") or {}
        return cls(
            type=obj.get("type", "Normal"),
            reason=obj.get("reason", ""),
            message=obj.get("message", ""),
            count=int(obj.get("count") or 1),
            last_seen=obj.get("lastTimestamp") or obj.get("eventTime") or "",
            object=f"{involved.get('kind', '')}/{involved.get('name', '')}",
        )


def pod_detail(obj: Obj) -> dict[str, Any]:
    """What an investigation reads off one pod, as `kubectl describe pod` shows it: per container
    its state and reason, the last termination, restarts and resources; the pod's conditions."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    statuses = {s.get("name"): s for s in status.get("containerStatuses") or []}
    containers = []
    for c in spec.get("containers") or []:
        s = statuses.get(c.get("name")) or {}
        state = s.get("state") or {}
        waiting = state.get("waiting") or {}
        last = (s.get("lastState") or {}).get("terminated") or {}
        resources = c.get("resources") or {}
        containers.append(
            {
                "name": c.get("name", ""),
                "image": c.get("image", ""),
                "ready": bool(s.get("ready")),
                "restarts": int(s.get("restartCount", 0)),
                "waiting": {"reason": waiting.get("reason", ""), "message": waiting.get("message", "")}
                if waiting
                else None,
                "last_terminated": {"reason": last.get("reason", ""), "exit_code": last.get("exitCode")}
                if last
                else None,
                "limits": dict(resources.get("limits") or {}),
                "requests": dict(resources.get("requests") or {}),
            }
        )
    conditions = {
        c.get("type", ""): {
            "status": c.get("status", ""),
            "reason": c.get("reason", ""),
            "message": c.get("message", ""),
        }
        for c in status.get("conditions") or []
    }
    return {"phase": status.get("phase", "Unknown"), "containers": containers, "conditions": conditions}


def _condition(c: Obj) -> dict[str, str]:
    return {"status": c.get("status", ""), "reason": c.get("reason", ""), "message": c.get("message", "")}


def node_readiness(obj: Obj) -> dict[str, str]:
    """A node's Ready condition: status True / False / Unknown, with its reason and message."""
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return _condition(c)
    return {"status": "Unknown", "reason": "", "message": "no Ready condition reported"}


def autoscaler_of(hpas: list[Obj], deployment: str) -> dict[str, Any] | None:
    """The HPA that scales a deployment: min, max, current, and whether it is limited."""
    for hpa in hpas:
        spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
        target = spec.get("scaleTargetRef") or {}
        if target.get("kind") == "Deployment" and target.get("name") == deployment:
            limited = [
                c
                for c in status.get("conditions") or []
                if c.get("type") == "ScalingLimited" and c.get("status") == "True"
            ]
            return {
                "name": (hpa.get("metadata") or {}).get("name", ""),
                "min": int(spec.get("minReplicas") or 1),
                "max": int(spec.get("maxReplicas") or 0),
                "current": int(status.get("currentReplicas") or 0),
                "desired": int(status.get("desiredReplicas") or 0),
                "limited": bool(limited),
                "limited_reason": limited[0].get("reason", "") if limited else "",
            }
    return None
