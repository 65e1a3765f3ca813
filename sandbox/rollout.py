"""Pure rollout arithmetic, after the Kubernetes deployment controller: surge/unavailable
fenceposts, how far the new ReplicaSet may grow, how far the old ones may shrink, and the
deployment status computed from its ReplicaSets."""

from __future__ import annotations

import math
from typing import Any

from .meta import Obj

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"
# Annotations that stay on the deployment and are not copied to its ReplicaSets.
NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
    }
)


def _scaled(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value or 0)


def fenceposts(spec: dict[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as absolute numbers; never both zero."""
    replicas = int(spec.get("replicas", 1))
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, replicas
    rolling = strategy.get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def spec_replicas(rs: Obj) -> int:
    return int((rs.get("spec") or {}).get("replicas", 0))


def status_count(rs: Obj, field: str) -> int:
    return int((rs.get("status") or {}).get(field, 0) or 0)


def revision_of(rs: Obj) -> int:
    try:
        return int(((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def new_rs_target(dep_spec: dict[str, Any], new_rs_replicas: int, all_rs: list[Obj]) -> int:
    """How many replicas the new ReplicaSet may have now (rolling update)."""
    replicas = int(dep_spec.get("replicas", 1))
    if new_rs_replicas >= replicas:
        return replicas
    surge, _ = fenceposts(dep_spec)
    current = sum(spec_replicas(rs) for rs in all_rs)
    room = replicas + surge - current
    if room <= 0:
        return new_rs_replicas
    return new_rs_replicas + min(room, replicas - new_rs_replicas)


def old_rs_scale_down(dep_spec: dict[str, Any], new_rs: Obj, old_rs: list[Obj]) -> dict[str, int]:
    """New replica counts for old ReplicaSets (by name) that may shrink now (rolling update)."""
    old_rs = sorted(old_rs, key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), revision_of(rs)))
    if sum(spec_replicas(rs) for rs in old_rs) == 0:
        return {}
    replicas = int(dep_spec.get("replicas", 1))
    _, unavailable = fenceposts(dep_spec)
    everything = [new_rs, *old_rs]
    all_pods = sum(spec_replicas(rs) for rs in everything)
    min_available = replicas - unavailable
    new_unavailable = spec_replicas(new_rs) - status_count(new_rs, "availableReplicas")
    budget = all_pods - min_available - new_unavailable
    if budget <= 0:
        return {}
    original = {rs["metadata"]["name"]: spec_replicas(rs) for rs in old_rs}
    targets = dict(original)
    # First the unhealthy replicas of old ReplicaSets: removing them costs no availability.
    for rs in old_rs:
        if budget <= 0:
            break
        name = rs["metadata"]["name"]
        unhealthy = targets[name] - status_count(rs, "availableReplicas")
        cut = min(budget, max(unhealthy, 0))
        targets[name] -= cut
        budget -= cut
    # Then healthy ones, as long as enough stay available.
    available = sum(status_count(rs, "availableReplicas") for rs in everything)
    allowed = available - min_available
    for rs in old_rs:
        if allowed <= 0:
            break
        name = rs["metadata"]["name"]
        cut = min(targets[name], allowed)
        targets[name] -= cut
        allowed -= cut
    return {name: n for name, n in targets.items() if n != original[name]}


def compute_status(dep: Obj, new_rs: Obj | None, all_rs: list[Obj]) -> dict[str, Any]:
    available = sum(status_count(rs, "availableReplicas") for rs in all_rs)
    total_spec = sum(spec_replicas(rs) for rs in all_rs)
    counts = {
        "observedGeneration": int(dep["metadata"].get("generation", 1)),
        "replicas": sum(status_count(rs, "replicas") for rs in all_rs),
        "updatedReplicas": status_count(new_rs, "replicas") if new_rs else 0,
        "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in all_rs),
        "availableReplicas": available,
        "unavailableReplicas": max(total_spec - available, 0),
    }
    status: dict[str, Any] = {k: v for k, v in counts.items() if v or k == "observedGeneration"}
    collisions = (dep.get("status") or {}).get("collisionCount")
    if collisions:
        status["collisionCount"] = collisions
    return status


def is_complete(dep: Obj, status: dict[str, Any]) -> bool:
    replicas = int((dep.get("spec") or {}).get("replicas", 1))
    return (
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= int(dep["metadata"].get("generation", 1))
    )


def made_progress(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def old_replicas(s: dict[str, Any]) -> int:
        return int(s.get("replicas", 0)) - int(s.get("updatedReplicas", 0))

    return (
        new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or old_replicas(new) < old_replicas(old)
        or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )
