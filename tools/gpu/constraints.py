"""Where a pod may run: node selector, required node affinity, taints and tolerations, and whether
the node takes new pods at all. Resource fit is the packer's business."""

from __future__ import annotations

from opsgraph.tools.gpu.model import GpuNode, GpuPod

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def placement_blocker(pod: GpuPod, node: GpuNode) -> str:
    """Why `pod` may not be placed on `node` (ignoring resources); "" when it may."""
    if node.unschedulable:
        return "cordoned"
    if not node.ready:
        return "not ready"
    return label_blocker(pod, node)


def label_blocker(pod: GpuPod, node: GpuNode) -> str:
    """Selectors, affinity and taints only: would the pod be allowed to stay on this node."""
    for key, value in pod.node_selector.items():
        if node.labels.get(key) != value:
            return f"nodeSelector {key}={value}"
    if pod.affinity and not any(all(r.matches(node.labels) for r in term) for term in pod.affinity):
        return "required node affinity"
    for taint in node.taints:
        if taint.effect in BLOCKING_EFFECTS and not any(t.tolerates(taint) for t in pod.tolerations):
            return f"untolerated taint {taint.key}={taint.value}:{taint.effect}"
    return ""


def signature(pod: GpuPod) -> tuple[object, ...]:
    """Pods with the same signature can go to the same nodes."""
    return (
        tuple(sorted(pod.node_selector.items())),
        pod.affinity,
        tuple(sorted(pod.tolerations, key=repr)),
    )
