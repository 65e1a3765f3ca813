"""What is wrong with a deployment, read off `k8s_status` detail data the way an SRE reads
`kubectl describe`: the first matching symptom, most fundamental first (a NotReady node explains
the pods on it; a pod that cannot be scheduled explains why nothing runs; ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PULL_REASONS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName")
CONFIG_REASONS = ("CreateContainerConfigError", "CreateContainerError")
RECENT_ROLLOUT_S = 3600.0  # a rollout this recent, right before the failure, is the first suspect


@dataclass(frozen=True)
class Symptom:
    reason: str  # CrashLoopBackOff, ImagePullBackOff, OOMKilled, Unschedulable, NodeNotReady, ...
    resource: str  # what it is about: ns/deployment, a pod, or a node
    summary: str  # one line of what the status showed
    pod: str = ""  # the pod to look at next (logs)
    container: str = ""
    detail: str = ""  # the message that explains it (scheduler, kubelet, probe)


def find_symptom(data: dict[str, Any]) -> Symptom | None:
    """The most fundamental thing wrong with the workload, or None when it looks healthy."""
    where = f"{data['namespace']}/{data['name']}"
    pods: list[dict[str, Any]] = data.get("pods") or []
    for node, ready in (data.get("nodes") or {}).items():
        if ready.get("status") != "True":
            on_it = [p["name"] for p in pods if p.get("node") == node]
            where_pods = (
                f"{len(on_it)} of its pods run there"
                if on_it
                else "its pods there were evicted and replaced on other nodes"
            )
            return Symptom(
                "NodeNotReady", node,
                f"node {node} is not Ready ({ready.get('reason') or ready.get('status')}); {where_pods}",
                pod=on_it[0] if on_it else "", detail=ready.get("message", ""),
            )  # fmt: skip
    for pod in pods:
        scheduled = (pod.get("conditions") or {}).get("PodScheduled") or {}
        if pod.get("phase") == "Pending" and scheduled.get("status") == "False":
            return Symptom(
                "Unschedulable", pod["name"], f"pod {pod['name']} cannot be scheduled",
                pod=pod["name"], detail=scheduled.get("message", ""),
            )  # fmt: skip
    for wanted, reasons in (("ImagePullBackOff", PULL_REASONS), ("CreateContainerConfigError", CONFIG_REASONS)):
        for pod, container in _containers(pods):
            waiting = container.get("waiting") or {}
            if waiting.get("reason") in reasons:
                return Symptom(
                    wanted if wanted != "CreateContainerConfigError" else waiting["reason"], pod["name"],
                    f"pod {pod['name']} waits in {waiting['reason']} (image {container.get('image', '?')})",
                    pod=pod["name"], container=container["name"], detail=waiting.get("message", ""),
                )  # fmt: skip
    for pod, container in _containers(pods):
        last = container.get("last_terminated") or {}
        if last.get("reason") == "OOMKilled":
            limit = (container.get("limits") or {}).get("memory", "no limit")
            return Symptom(
                "OOMKilled", pod["name"],
                f"container {container['name']} of {pod['name']} was OOMKilled (memory limit {limit}, "
                f"{container.get('restarts', 0)} restarts)",
                pod=pod["name"], container=container["name"], detail=f"memory limit {limit}",
            )  # fmt: skip
    for pod, container in _containers(pods):
        waiting = container.get("waiting") or {}
        if waiting.get("reason") == "CrashLoopBackOff":
            return Symptom(
                "CrashLoopBackOff", pod["name"],
                f"pod {pod['name']} is in CrashLoopBackOff ({container.get('restarts', 0)} restarts)",
                pod=pod["name"], container=container["name"], detail=waiting.get("message", ""),
            )  # fmt: skip
    unready = [p for p in pods if p.get("phase") == "Running" and not p.get("ready")]
    history = data.get("history") or []
    old_still_serving = any(int(rs.get("replicas") or 0) > 0 for rs in history[1:])
    if unready and old_still_serving and data.get("rollout") != "complete":
        newest = history[0]
        if all(pod_of_revision(p["name"], newest) for p in unready):
            probe = _event(data, "Unhealthy", unready[0]["name"])
            progressing = (data.get("conditions") or {}).get("Progressing") or {}
            return Symptom(
                "RolloutStuck", where,
                f"the rollout to revision {newest['revision']} is stuck: ReplicaSet {newest['name']} has "
                f"{len(unready)} pod(s) that never became ready ({progressing.get('reason') or 'progressing'})",
                pod=unready[0]["name"], detail=probe,
            )  # fmt: skip
    if unready:
        probe = _event(data, "Unhealthy", unready[0]["name"])
        return Symptom(
            "ReadinessProbeFailed" if probe else "NotReady", unready[0]["name"],
            f"{len(unready)} of {len(pods)} pods run but are not ready",
            pod=unready[0]["name"], detail=probe,
        )  # fmt: skip
    progressing = (data.get("conditions") or {}).get("Progressing") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded" or data.get("rollout") == "failed":
        return Symptom(
            "ProgressDeadlineExceeded", where, f"the rollout of {where} is stuck: {progressing.get('message', '')}",
            detail=progressing.get("message", ""),
        )  # fmt: skip
    hpa = data.get("autoscaler")
    if hpa and (hpa.get("limited") or (hpa.get("max") and hpa.get("current", 0) >= hpa["max"])):
        return Symptom(
            "HPAAtMax", where,
            f"autoscaler {hpa['name']} is at its maximum of {hpa['max']} replicas",
            detail=hpa.get("limited_reason", ""),
        )  # fmt: skip
    if data.get("ready", 0) < data.get("desired", 0):
        return Symptom("NotReady", where, f"{data['ready']}/{data['desired']} pods ready")
    return None


def recent_rollout(data: dict[str, Any], now: datetime | None = None) -> dict[str, Any] | None:
    """The newest revision, when it was rolled out within RECENT_ROLLOUT_S and replaced another."""
    history = data.get("history") or []
    if len(history) < 2 or not history[0].get("created"):
        return None
    age = age_s(history[0]["created"], now)
    if age is None or age > RECENT_ROLLOUT_S:
        return None
    return {"new": history[0], "old": history[1], "age_s": age}


def pod_of_revision(pod: str, revision: dict[str, Any]) -> bool:
    return bool(revision.get("name")) and pod.startswith(f"{revision['name']}-")


def _containers(pods: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(p, c) for p in pods for c in p.get("containers") or []]


def _event(data: dict[str, Any], reason: str, pod: str) -> str:
    for e in data.get("events") or []:
        if e.get("reason") == reason and e.get("object", "").endswith(f"/{pod}"):
            return str(e.get("message", ""))
    for e in data.get("events") or []:
        if e.get("reason") == reason:
            return str(e.get("message", ""))
    return ""


def age_s(timestamp: str, now: datetime | None = None) -> float | None:
    """Seconds since an API timestamp (None when there is none)."""
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ((now or datetime.now(UTC)) - then).total_seconds()


def ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
