"""An autoscaling/v2 HorizontalPodAutoscaler pinned at its maximum: CPU above target, the
deployment scaled to `maxReplicas`, and the conditions the HPA controller sets then
(ScalingLimited=True, reason TooManyReplicas)."""

from __future__ import annotations

import math
from typing import Any

from ..events import EventRecorder
from ..meta import Obj, clone, iso, stable_uid
from ..store import Store
from .spec import Fault, HpaMaxParams

_BEHAVIOR = {
    "scaleUp": {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    },
    "scaleDown": {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
}


def _condition(ctype: str, status: str, reason: str, message: str, now: float) -> dict[str, Any]:
    return {"type": ctype, "status": status, "lastTransitionTime": iso(now), "reason": reason, "message": message}


def apply_hpa_max(store: Store, events: EventRecorder, fault: Fault, dep: Obj, now: float) -> dict[str, Any]:
    opts: HpaMaxParams = fault.options()
    replicas = int(dep["spec"].get("replicas", 1))
    maximum = opts.max or replicas
    minimum = opts.min or max(1, maximum // 2)
    record: dict[str, Any] = {
        "selector": dict((dep["spec"].get("selector") or {}).get("matchLabels") or {}),
        "deployment_uid": dep["metadata"]["uid"],
        "cpu_utilization": opts.cpu_utilization,
        "hpa": fault.name,
        "created": store.get("horizontalpodautoscalers", fault.namespace, fault.name) is None,
    }
    if maximum != replicas:
        record["replicas_before"] = replicas
        scaled = clone(dep)
        scaled["spec"]["replicas"] = maximum
        scaled["metadata"]["generation"] = int(scaled["metadata"].get("generation", 1)) + 1
        store.update("deployments", scaled)
    desired = math.ceil(maximum * opts.cpu_utilization / opts.target_utilization)
    hpa = {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": {
            "name": fault.name,
            "namespace": fault.namespace,
            "uid": stable_uid("hpa", fault.namespace, fault.name),
            "labels": {"app": fault.name},
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": fault.name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": opts.target_utilization},
                    },
                }
            ],
            "behavior": _BEHAVIOR,
        },
        "status": {
            "lastScaleTime": iso(now),
            "currentReplicas": maximum,
            "desiredReplicas": maximum,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": opts.cpu_utilization}},
                }
            ],
            "conditions": [
                _condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now),
                _condition(
                    "ScalingActive",
                    "True",
                    "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count from cpu resource utilization "
                    "(percentage of request)",
                    now,
                ),
                _condition(
                    "ScalingLimited",
                    "True",
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                    now,
                ),
            ],
        },
    }
    existing = store.get("horizontalpodautoscalers", fault.namespace, fault.name)
    if existing is None:
        stored = store.create("horizontalpodautoscalers", hpa, now=now - 30 * 86400)
    else:
        hpa["metadata"] = {**existing["metadata"]}
        stored = store.update("horizontalpodautoscalers", hpa)
    if maximum != replicas:
        events.record(
            stored,
            "SuccessfulRescale",
            f"New size: {maximum}; reason: cpu resource utilization (percentage of request) above target",
            component="horizontal-pod-autoscaler",
            now=now,
        )
    record["desired_uncapped"] = desired
    return record


def clear_hpa_max(store: Store, fault_target: tuple[str, str], record: dict[str, Any]) -> None:
    namespace, name = fault_target
    if record.get("created"):
        store.remove("horizontalpodautoscalers", namespace, record["hpa"])
    before = record.get("replicas_before")
    dep = store.get("deployments", namespace, name)
    if before is not None and dep is not None:
        new = clone(dep)
        new["spec"]["replicas"] = int(before)
        new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
        store.update("deployments", new)


def refresh(store: Store, namespace: str, name: str) -> None:
    """currentReplicas follows the deployment (someone may scale it)."""
    hpa = store.get("horizontalpodautoscalers", namespace, name)
    dep = store.get("deployments", namespace, name)
    if hpa is None or dep is None:
        return
    current = int((dep.get("status") or {}).get("replicas", dep["spec"].get("replicas", 1)))
    if int((hpa.get("status") or {}).get("currentReplicas", 0)) != current:
        new = clone(hpa)
        new["status"]["currentReplicas"] = current
        store.update("horizontalpodautoscalers", new)
