"""Which GPU pods a plan may move, and why the others stay: owners that do not recreate a pod
elsewhere (Jobs restart from scratch, bare pods are gone), system priority, disruption budgets
with no room, pods not running yet."""

from __future__ import annotations

import math

from opsgraph.tools.gpu.model import SYSTEM_PRIORITY, GpuPod, Pdb, Snapshot


def disruptions_allowed(pdb: Pdb, pods: tuple[GpuPod, ...]) -> int:
    """status.disruptionsAllowed when the API reported it; otherwise what the controller computes
    from the spec and the covered pods' health."""
    if pdb.disruptions_allowed is not None:
        return pdb.disruptions_allowed
    covered = [p for p in pods if pdb.covers(p)]
    expected = len(covered)
    healthy = sum(1 for p in covered if p.phase == "Running")
    if pdb.min_available is not None:
        return healthy - _count(pdb.min_available, expected, up=True)
    if pdb.max_unavailable is not None:
        return _count(pdb.max_unavailable, expected, up=True) - (expected - healthy)
    return 0


def _count(value: str, total: int, *, up: bool) -> int:
    if value.endswith("%"):
        share = float(value[:-1]) / 100 * total
        return math.ceil(share) if up else math.floor(share)
    return int(value)


def stay_reasons(snapshot: Snapshot, movable_kinds: list[str]) -> dict[str, str]:
    """pod key -> why it is not moved; pods absent from the result may be moved."""
    blocked_by_pdb: dict[str, str] = {}
    for pdb in snapshot.pdbs:
        if disruptions_allowed(pdb, snapshot.pods) <= 0:
            for pod in snapshot.pods:
                if pdb.covers(pod):
                    blocked_by_pdb[pod.key] = f"PodDisruptionBudget {pdb.namespace}/{pdb.name} allows no disruption"
    reasons: dict[str, str] = {}
    for pod in snapshot.pods:
        if pod.node is None:
            reasons[pod.key] = "not scheduled yet"
        elif pod.phase != "Running":
            reasons[pod.key] = f"{pod.phase}, not running"
        elif pod.owner_kind not in movable_kinds:
            reasons[pod.key] = (
                f"owned by a {pod.owner_kind}: moving it restarts the work"
                if pod.owner_kind
                else "a bare pod: nothing would recreate it"
            )
        elif pod.priority >= SYSTEM_PRIORITY:
            reasons[pod.key] = f"system priority {pod.priority}"
        elif pod.key in blocked_by_pdb:
            reasons[pod.key] = blocked_by_pdb[pod.key]
    return reasons
