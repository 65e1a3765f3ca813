"""Seeded synthetic GPU clusters, as `kubectl get nodes,pods -A -o json` would print them, with
DCGM utilisation per pod. There is no public GPU cluster snapshot here; these are shaped like the
published traces (Alibaba's GPU traces as the FGD paper describes them: many small inference pods,
a few large training jobs) and fragmented the way clusters get fragmented: pods arrive in random
order, the default scheduler spreads them (least allocated), and a share of them leaves.

Every number here is a generator parameter chosen up front, not fitted to anything we score.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

# (product, GPUs per node, GPU memory MiB, pool, share of nodes)
NODE_TYPES = (
    ("NVIDIA-H100-80GB-HBM3", 8, 81559, "gpu-h100", 0.35),
    ("NVIDIA-A100-SXM4-80GB", 8, 81920, "gpu-a100", 0.40),
    ("NVIDIA-L40S", 4, 46068, "gpu-l40s", 0.25),
)
# GPUs per pod -> probability, for inference (ReplicaSet) and training (Job) pods.
INFERENCE_SIZES = {1: 0.80, 2: 0.15, 4: 0.05}
TRAINING_SIZES = {1: 0.15, 2: 0.15, 4: 0.30, 8: 0.40}
# A stress mix with sizes that do not divide a node (3, 5, 6 GPUs): bin packing gets hard.
MIXED_INFERENCE_SIZES = {1: 0.6, 2: 0.2, 3: 0.2}
MIXED_TRAINING_SIZES = {3: 0.3, 5: 0.2, 6: 0.3, 8: 0.2}
TRAINING_SHARE = 0.2  # of GPU pods
DEPART_SHARE = 0.3  # of placed pods that leave after arrival, leaving holes
LOAD = 0.85  # GPUs requested at arrival / GPUs in the cluster


@dataclass(frozen=True)
class Generated:
    snapshot: Obj  # a kubectl List
    metrics: Obj  # a Prometheus query response with DCGM samples
    gpus: int
    gpu_pods: int
    pods: int


def generate(total_gpus: int, seed: int, *, total_pods: int | None = None, mixed: bool = False) -> Generated:
    """`mixed`: the stress size mix instead of the power-of-two sizes of the traces."""
    rng = random.Random(seed)
    inference_sizes, training_sizes = (
        (MIXED_INFERENCE_SIZES, MIXED_TRAINING_SIZES) if mixed else (INFERENCE_SIZES, TRAINING_SIZES)
    )
    nodes: list[tuple[Obj, int, str]] = []
    gpus = 0
    while gpus < total_gpus:
        product, count, memory, pool, _ = rng.choices(NODE_TYPES, weights=[t[4] for t in NODE_TYPES])[0]
        name = f"{pool}-{len(nodes):04d}"
        nodes.append((_node(name, product, count, memory, pool), count, product))
        gpus += count
    free = {n[0]["metadata"]["name"]: n[1] for n in nodes}
    product_of = {n[0]["metadata"]["name"]: n[2] for n in nodes}
    pods: list[Obj] = []
    samples: list[Obj] = []
    requested = 0
    serial = 0
    # Arrivals: pods land by least-allocated (spreading) among nodes of the product they select.
    while requested < LOAD * gpus / (1 - DEPART_SHARE):
        serial += 1
        training = rng.random() < TRAINING_SHARE
        sizes = training_sizes if training else inference_sizes
        size = rng.choices(list(sizes), weights=list(sizes.values()))[0]
        product = rng.choices([t[0] for t in NODE_TYPES], weights=[t[4] for t in NODE_TYPES])[0]
        fitting = [n for n, f in free.items() if f >= size and product_of[n] == product]
        requested += size
        if not fitting:
            continue
        node = max(fitting, key=lambda n: (free[n], n))
        free[node] -= size
        pods.append(_gpu_pod(rng, serial, node, size, product, training))
    # Departures leave holes where they were.
    rng.shuffle(pods)
    keep = int(len(pods) * (1 - DEPART_SHARE))
    for pod in pods[keep:]:
        free[pod["spec"]["nodeName"]] += _gpus(pod)
    pods = sorted(pods[:keep], key=lambda p: p["metadata"]["name"])
    for pod in pods:
        samples += _dcgm(rng, pod)
    gpu_pods = len(pods)
    # Per-node agents (device plugin, dcgm-exporter, node exporter, log shipper) and CPU services.
    cpu_nodes = [_cpu_node(f"cpu-{i:04d}") for i in range(max(1, len(nodes) // 4))]
    for n, _, _ in nodes:
        host = n["metadata"]["name"]
        for agent in ("nvidia-device-plugin", "nvidia-dcgm-exporter", "node-exporter", "fluent-bit"):
            pods.append(_plain_pod(f"{agent}-{host}", "kube-system", host, "DaemonSet"))
    i = 0
    while total_pods is not None and len(pods) < total_pods:
        host = cpu_nodes[i % len(cpu_nodes)]["metadata"]["name"]
        pods.append(_plain_pod(f"svc-{i:05d}", "apps", host, "ReplicaSet"))
        i += 1
    items = [n[0] for n in nodes] + cpu_nodes + pods
    snapshot = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
    metrics = {"status": "success", "data": {"resultType": "vector", "result": samples}}
    return Generated(snapshot, metrics, gpus, gpu_pods, len(pods))


def _node(name: str, product: str, count: int, memory: int, pool: str) -> Obj:
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "node-pool": pool,
                "nvidia.com/gpu.present": "true",
                "nvidia.com/gpu.product": product,
                "nvidia.com/gpu.count": str(count),
                "nvidia.com/gpu.memory": str(memory),
                "nvidia.com/gpu.replicas": "1",
                "nvidia.com/gpu.sharing-strategy": "none",
                "nvidia.com/mig.config": "all-disabled",
            },
        },
        "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]},
        "status": {
            "allocatable": {"cpu": "190", "memory": "1900Gi", "pods": "110", "nvidia.com/gpu": str(count)},
            "capacity": {"cpu": "192", "memory": "2000Gi", "pods": "110", "nvidia.com/gpu": str(count)},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _cpu_node(name: str) -> Obj:
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "node-pool": "general"}},
        "spec": {},
        "status": {
            "allocatable": {"cpu": "31", "memory": "120Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _gpus(pod: Obj) -> int:
    return int(pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"])


def _gpu_pod(rng: random.Random, serial: int, node: str, size: int, product: str, training: bool) -> Obj:
    if training:
        name, owner, ns = f"train-{serial:05d}-0", {"kind": "Job", "name": f"train-{serial:05d}"}, "research"
        labels = {"job-name": owner["name"], "workload": "training"}
    else:
        app = f"infer-{serial:05d}"
        rs = f"{app}-7d9f{serial % 10}"
        name, owner, ns = f"{rs}-x{serial:04d}", {"kind": "ReplicaSet", "name": rs}, "serving"
        labels = {"app": app, "pod-template-hash": f"7d9f{serial % 10}", "workload": "inference"}
    annotations = {}
    if not training and rng.random() < 0.05:
        annotations["opsgraph.io/scale-to-zero"] = "allowed"
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "apps/v1", "controller": True, **owner, "uid": f"uid-{serial}"}],
        },
        "spec": {
            "nodeName": node,
            "priority": 0,
            "nodeSelector": {"nvidia.com/gpu.product": product},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example.com/ml/server:1.0",
                    "resources": {
                        "requests": {"cpu": str(4 * size), "memory": f"{32 * size}Gi"},
                        "limits": {"nvidia.com/gpu": str(size)},
                    },
                }
            ],
        },
        "status": {"phase": "Running"},
    }


def _dcgm(rng: random.Random, pod: Obj) -> list[Obj]:
    """Per-GPU samples: inference mostly light (log-normal around 12%), training busy."""
    training = pod["metadata"]["labels"].get("workload") == "training"
    idle = "opsgraph.io/scale-to-zero" in pod["metadata"]["annotations"] and rng.random() < 0.6
    out = []
    for gpu in range(_gpus(pod)):
        if training:
            util, fb = rng.uniform(70, 99), rng.uniform(50_000, 78_000)
        elif idle:
            util, fb = 0.0, rng.uniform(500, 4_000)
        else:
            util, fb = min(100.0, rng.lognormvariate(2.3, 0.8)), rng.uniform(4_000, 40_000)
        labels: dict[str, str] = {
            "Hostname": pod["spec"]["nodeName"],
            "gpu": str(gpu),
            "UUID": f"GPU-{pod['metadata']['name']}-{gpu}",
            "namespace": pod["metadata"]["namespace"],
            "pod": pod["metadata"]["name"],
            "container": "main",
        }
        for name, value in (("DCGM_FI_DEV_GPU_UTIL", f"{util:.1f}"), ("DCGM_FI_DEV_FB_USED", f"{fb:.0f}")):
            metric: dict[str, str] = {"__name__": name, **labels}
            out.append({"metric": metric, "value": [0, value]})
    return out


def _plain_pod(name: str, namespace: str, node: str, owner: str) -> Obj:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "ownerReferences": [{"kind": owner, "name": name.rsplit("-", 1)[0], "controller": True}],
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {"name": "main", "image": "x", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
            ],
        },
        "status": {"phase": "Running"},
    }
