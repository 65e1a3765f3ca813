"""Hand-made Kubernetes objects for GPU planning tests (the JSON kubectl would print)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
H100 = "NVIDIA-H100-80GB-HBM3"
A100 = "NVIDIA-A100-SXM4-80GB"
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
TOLERATE_GPU = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def node(name: str, gpus: int = 8, product: str = H100, *, pool: str | None = None, taint: bool = True,
         labels: dict[str, str] | None = None, cordoned: bool = False, memory_mib: int = 81559) -> Obj:  # fmt: skip
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "node-pool": pool or product.lower(),
                "nvidia.com/gpu.present": "true",
                "nvidia.com/gpu.product": product,
                "nvidia.com/gpu.count": str(gpus),
                "nvidia.com/gpu.memory": str(memory_mib),
                **(labels or {}),
            },
        },
        "spec": {**({"taints": [GPU_TAINT]} if taint else {}), **({"unschedulable": True} if cordoned else {})},
        "status": {
            "allocatable": {"cpu": "190", "memory": "1900Gi", "pods": "110", "nvidia.com/gpu": str(gpus)},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def pod(name: str, node_name: str | None, gpus: int, *, owner: str = "ReplicaSet", app: str | None = None,
        selector: dict[str, str] | None = None, tolerate: bool = True, namespace: str = "ml",
        priority: int = 0, labels: dict[str, str] | None = None, phase: str = "Running",
        cpu: str = "4") -> Obj:  # fmt: skip
    app = app or name.rsplit("-", 1)[0]
    owner_name = f"{app}-5f7c9" if owner == "ReplicaSet" else app
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app": app, "pod-template-hash": "5f7c9", **(labels or {})},
            "ownerReferences": [{"kind": owner, "name": owner_name, "controller": True}] if owner else [],
        },
        "spec": {
            **({"nodeName": node_name} if node_name else {}),
            "priority": priority,
            **({"nodeSelector": selector} if selector else {}),
            **({"tolerations": TOLERATE_GPU} if tolerate else {}),
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example.com/ml/server:1.0",
                    "resources": {"requests": {"cpu": cpu, "memory": "8Gi"}, "limits": {"nvidia.com/gpu": str(gpus)}},
                }
            ],
        },
        "status": {"phase": phase},
    }


def pdb(name: str, app: str, *, min_available: int | str | None = None, max_unavailable: int | None = None,
        namespace: str = "ml") -> Obj:  # fmt: skip
    spec: Obj = {"selector": {"matchLabels": {"app": app}}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {"kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def dcgm(namespace: str, pod_name: str, node_name: str, util: float, fb_mib: float, gpus: int = 1) -> list[Obj]:
    out = []
    for gpu in range(gpus):
        labels = {"Hostname": node_name, "gpu": str(gpu), "UUID": f"GPU-{pod_name}-{gpu}",
                  "namespace": namespace, "pod": pod_name}  # fmt: skip
        out.append({"metric": {"__name__": "DCGM_FI_DEV_GPU_UTIL", **labels}, "value": [0, str(util)]})
        out.append({"metric": {"__name__": "DCGM_FI_DEV_FB_USED", **labels}, "value": [0, str(fb_mib)]})
    return out


def kubectl_list(*items: Obj) -> Obj:
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(items)}
