"""The Eviction subresource (`POST /api/v1/namespaces/{ns}/pods/{name}/eviction`) and the
PodDisruptionBudget objects it honours, as the API server answers them: 201 with a Success status,
429 TooManyRequests when a budget has no disruption left, 500 for a pod under two budgets.

The sandbox runs no disruption controller, so a budget's status is not kept up to date; every
eviction computes it from the live pods (healthy = Running, Ready and not terminating)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from . import errors
from .meta import Obj
from .selectors import LabelSelector, parse_label_selector
from .validation import check_shape

if TYPE_CHECKING:
    from .writes import Writer


def _selector(pdb: Obj) -> LabelSelector | None:
    selector = (pdb.get("spec") or {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), ",".join(expr.get("values") or [])
        parts.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}.get(op, f"!{key}")
        )
    return parse_label_selector(",".join(parts)) if parts else None


def _healthy(pod: Obj) -> bool:
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return status.get("phase") == "Running" and ready and not pod["metadata"].get("deletionTimestamp")


def _count(value: Any, expected: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(float(value[:-1]) / 100 * expected)
    return int(value)


def budget(pdb: Obj, pods: list[Obj]) -> dict[str, int]:
    """The status the disruption controller would report for `pdb` over `pods` (its namespace)."""
    selector = _selector(pdb)
    covered = [p for p in pods if selector is not None and selector.matches(p["metadata"].get("labels") or {})]
    expected = len([p for p in covered if not p["metadata"].get("deletionTimestamp")])
    healthy = sum(1 for p in covered if _healthy(p))
    spec = pdb.get("spec") or {}
    if spec.get("minAvailable") is not None:
        desired = _count(spec["minAvailable"], expected)
    elif spec.get("maxUnavailable") is not None:
        desired = max(expected - _count(spec["maxUnavailable"], expected), 0)
    else:
        desired = expected
    return {
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "disruptionsAllowed": max(healthy - desired, 0),
    }


def validate_pdb(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    name = obj["metadata"].get("name", "")
    causes = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        causes.append(errors.invalid_value("spec", "", "minAvailable and maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        value = spec.get(key)
        if value is not None and not (isinstance(value, int) or (isinstance(value, str) and value.endswith("%"))):
            causes.append(errors.invalid_value(f"spec.{key}", value, "must be an integer or percentage"))
    if causes:
        raise errors.invalid("PodDisruptionBudget", "policy", name, causes)


def validate_node(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    name = obj["metadata"].get("name", "")
    if "unschedulable" in spec and not isinstance(spec["unschedulable"], bool):
        cause = errors.invalid_value("spec.unschedulable", spec["unschedulable"], "must be a boolean")
        raise errors.invalid("Node", "", name, [cause])
    for key, value in (obj["metadata"].get("labels") or {}).items():
        if not isinstance(value, str):
            cause = errors.invalid_value(f"metadata.labels[{key}]", value, "must be a string")
            raise errors.invalid("Node", "", name, [cause])


def evict(writer: Writer, namespace: str, name: str, body: bytes, dry: bool) -> tuple[int, Obj]:
    store = writer.store
    pod = store.get("pods", namespace, name)
    if pod is None:
        raise errors.not_found("pods", "", name)
    try:
        eviction = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc
    eviction = check_shape(eviction, "Eviction", "policy/v1")
    if (eviction.get("metadata") or {}).get("name") not in (None, name):
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = eviction.get("deleteOptions") or {}
    dry = dry or options.get("dryRun") == ["All"]
    done = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    if pod["metadata"].get("deletionTimestamp"):
        return 201, done
    labels = pod["metadata"].get("labels") or {}
    pdbs = [
        b for b in store.sorted_items("poddisruptionbudgets", namespace)
        if (s := _selector(b)) is not None and s.matches(labels)
    ]  # fmt: skip
    if len(pdbs) > 1:
        raise errors.ApiError(
            500,
            "InternalError",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        )
    if pdbs and _healthy(pod):
        status = budget(pdbs[0], store.items("pods", namespace))
        if status["disruptionsAllowed"] <= 0:
            pdb_name = pdbs[0]["metadata"]["name"]
            raise errors.ApiError(
                429,
                "TooManyRequests",
                "Cannot evict pod as it would violate the pod's disruption budget.",
                {
                    "causes": [
                        {
                            "reason": "DisruptionBudget",
                            "message": f"The disruption budget {pdb_name} needs {status['desiredHealthy']} healthy "
                            f"pods and has {status['currentHealthy']} currently",
                        }
                    ]
                },
            )
    grace = options.get("gracePeriodSeconds")
    from .resources import PODS

    writer.delete_object(PODS, pod, None if grace is None else int(grace), "Background", dry)
    return 201, done


def pdb_object(budget: Any) -> Obj:
    """A scenario's DisruptionBudget as the API object (no status: see the module docstring)."""
    spec: dict[str, Any] = {"selector": {"matchLabels": dict(budget.match_labels)}}
    if budget.min_available is not None:
        spec["minAvailable"] = budget.min_available
    if budget.max_unavailable is not None:
        spec["maxUnavailable"] = budget.max_unavailable
    return {
        "kind": "PodDisruptionBudget",
        "apiVersion": "policy/v1",
        "metadata": {"name": budget.name, "namespace": budget.namespace},
        "spec": spec,
    }
