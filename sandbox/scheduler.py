"""Places pods on nodes like kube-scheduler's default profile, roughly: node selector, required
node affinity, taints and tolerations, resource fit (cpu, memory, GPUs, MIG slices, pod count),
then the least-allocated node, spreading replicas of one owner."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .meta import Obj, controller_uid, labels_of, name_of
from .quantity import QuantityError, parse_quantity

TERMINAL_PHASES = ("Succeeded", "Failed")
_NO_VICTIMS = "No preemption victims found for incoming pod"
_NOT_HELPFUL = "Preemption is not helpful for scheduling"


@dataclass(frozen=True)
class Placement:
    node: str | None
    message: str = ""


def pod_requests(pod_spec: dict[str, Any]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {"pods": Decimal(1)}
    for container in pod_spec.get("containers") or []:
        resources = container.get("resources") or {}
        # An unset request defaults to the limit.
        merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        for key, value in merged.items():
            try:
                total[key] = total.get(key, Decimal(0)) + parse_quantity(value)
            except QuantityError:
                continue
    return total


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _affinity_ok(pod_spec: dict[str, Any], labels: dict[str, str]) -> bool:
    affinity = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not affinity:
        return True
    for term in affinity.get("nodeSelectorTerms") or []:
        if all(_expression_ok(e, labels) for e in term.get("matchExpressions") or []):
            return True
    return False


def _expression_ok(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator"), expr.get("values") or []
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return False


class Scheduler:
    """Built once per controller tick from the current nodes and pods; `place` updates its books."""

    def __init__(self, nodes: list[Obj], pods: list[Obj]) -> None:
        self.nodes = sorted(nodes, key=name_of)
        self.used: dict[str, dict[str, Decimal]] = {name_of(n): {} for n in self.nodes}
        self.owners: dict[str, Counter[str]] = {name_of(n): Counter() for n in self.nodes}
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if node in self.used and (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES:
                self._book(node, pod)

    def _book(self, node: str, pod: Obj) -> None:
        used = self.used[node]
        for key, amount in pod_requests(pod.get("spec") or {}).items():
            used[key] = used.get(key, Decimal(0)) + amount
        owner = controller_uid(pod)
        if owner:
            self.owners[node][owner] += 1

    def free(self, node: Obj) -> dict[str, Decimal]:
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        used = self.used.get(name_of(node), {})
        return {k: parse_quantity(v) - used.get(k, Decimal(0)) for k, v in allocatable.items()}

    def place(self, pod: Obj) -> Placement:
        spec = pod.get("spec") or {}
        wanted = pod_requests(spec)
        reasons: Counter[str] = Counter()
        candidates: list[tuple[int, Decimal, str, Obj]] = []
        for node in self.nodes:
            why = self._unfit(node, spec, wanted)
            if why:
                reasons[why] += 1
                continue
            free = self.free(node)
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            load = Decimal(0)
            for key in ("cpu", "memory"):
                total = parse_quantity(allocatable.get(key, "1")) or Decimal(1)
                load += (total - free.get(key, total) + wanted.get(key, Decimal(0))) / total
            spread = self.owners[name_of(node)][controller_uid(pod) or ""]
            candidates.append((spread, load, name_of(node), node))
        if not candidates:
            detail = ", ".join(f"{count} {why}" for why, count in sorted(reasons.items()))
            nodes_total = len(self.nodes)
            # Evicting lower-priority pods could free resources, but not remove a taint or a label
            # mismatch; the sandbox has no lower-priority victims to offer.
            preemption: Counter[str] = Counter()
            for why, count in reasons.items():
                resources = why.startswith("Insufficient") or why == "Too many pods"
                preemption[_NO_VICTIMS if resources else _NOT_HELPFUL] += count
            verdict = ", ".join(f"{count} {why}" for why, count in sorted(preemption.items()))
            return Placement(
                None,
                f"0/{nodes_total} nodes are available: {detail}. preemption: 0/{nodes_total} nodes are "
                f"available: {verdict}.",
            )
        candidates.sort(key=lambda c: (c[0], c[1], c[2]))
        chosen = candidates[0][3]
        self._book(name_of(chosen), pod)
        return Placement(name_of(chosen))

    def _unfit(self, node: Obj, spec: dict[str, Any], wanted: dict[str, Decimal]) -> str:
        labels = labels_of(node)
        node_spec = node.get("spec") or {}
        if node_spec.get("unschedulable"):
            return "node(s) were unschedulable"
        selector = spec.get("nodeSelector") or {}
        if any(labels.get(k) != v for k, v in selector.items()) or not _affinity_ok(spec, labels):
            return "node(s) didn't match Pod's node affinity/selector"
        for taint in node_spec.get("taints") or []:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
                spec.get("tolerations") or [], taint
            ):
                return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"
        free = self.free(node)
        for key, amount in sorted(wanted.items()):
            if amount > 0 and free.get(key, Decimal(0)) < amount:
                return "Too many pods" if key == "pods" else f"Insufficient {key}"
        return ""
