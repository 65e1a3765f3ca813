"""Generated GPU clusters whose optimum is known by construction ("planted" packings).

`planted(seed)`: K nodes of 8 GPUs are each filled exactly by pods of random sizes (a random
composition of 8 into parts of 1-7 GPUs, the mix of published traces: mostly 1-GPU inference,
some 2-4 GPU serving, a few large jobs), then the pods are spread over the 2K nodes of the pool
the way a spreading scheduler leaves them (each pod on the emptiest node with room, in random
order, jobs of 4+ GPUs first). Every pod may move (ReplicaSets, no selectors), so the fewest nodes any plan can use is
exactly K and the most GPUs it can free is 8K. Variants add what real clusters have: a second
pool behind a node selector, training Jobs that may not move, a PodDisruptionBudget with no room.
The optimum stays known: each pool is planted separately, and pinned pods are planted on their
own nodes' share.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
GPUS = 8
SIZES = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7)  # what a part is drawn from: mostly small


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    objects: list[Obj]
    optimum_nodes: int  # the fewest GPU nodes any valid plan can use
    gpu_nodes: int
    pinned: frozenset[str]  # pods no plan may move (Jobs, PDB with no room)
    large_job_possible: bool  # an 8-GPU job can get a whole node in the optimum packing


def _node(name: str, pool: str) -> Obj:
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {"node-pool": pool, "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
                                              "nvidia.com/gpu.count": str(GPUS), "nvidia.com/gpu.memory": "81559",
                                              "nvidia.com/gpu.present": "true"}},
        "spec": {},
        "status": {"allocatable": {"cpu": "190", "memory": "1900Gi", "pods": "110", "nvidia.com/gpu": str(GPUS)},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }  # fmt: skip


def _pod(name: str, node: str, gpus: int, *, pool: str | None, owner: str, app: str) -> Obj:
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "labels": {"app": app, "pod-template-hash": "h"},
                     "ownerReferences": [{"kind": owner, "name": f"{app}-h" if owner == "ReplicaSet" else app,
                                          "controller": True}]},
        "spec": {"nodeName": node, **({"nodeSelector": {"node-pool": pool}} if pool else {}),
                 "containers": [{"name": "main", "resources": {"requests": {"cpu": "1", "memory": "4Gi"},
                                                               "limits": {"nvidia.com/gpu": str(gpus)}}}]},
        "status": {"phase": "Running"},
    }  # fmt: skip


def _parts(rng: random.Random) -> list[int]:
    left, parts = GPUS, []
    while left:
        size = rng.choice([s for s in SIZES if s <= left])
        parts.append(size)
        left -= size
    return parts


def planted(seed: int, *, nodes_opt: int = 6, pools: int = 1, jobs: bool = False, pdb: bool = False) -> Scenario:
    rng = random.Random(seed)
    objects: list[Obj] = []
    pinned: set[str] = set()
    serial = 0
    total_nodes = 0
    for pool_index in range(pools):
        pool = f"pool-{pool_index}"
        names = [f"gpu-{pool_index}-{i:02d}" for i in range(2 * nodes_opt)]
        objects += [_node(n, pool) for n in names]
        total_nodes += len(names)
        free = {n: GPUS for n in names}
        sizes = [s for _ in range(nodes_opt) for s in _parts(rng)]
        rng.shuffle(sizes)
        sizes.sort(key=lambda s: s < 4)  # large jobs arrived first (they would not fit last), small ones after
        for size in sizes:
            serial += 1
            movable_job = jobs and size >= 4 and serial % 3 == 0
            app = f"job-{serial}" if movable_job else f"svc-{serial % 7}"
            owner = "Job" if movable_job else "ReplicaSet"
            room = [n for n in names if free[n] >= size]
            node = max(room, key=lambda n: (free[n], rng.random()))
            free[node] -= size
            pod = _pod(f"{app}-{serial:04d}", node, size, pool=pool if pools > 1 else None, owner=owner, app=app)
            objects.append(pod)
            if owner == "Job":
                pinned.add(f"ml/{pod['metadata']['name']}")
    optimum = nodes_opt * pools
    if jobs or pdb:
        optimum = -1  # pinned pods can make the planted packing unreachable: only the bound is known
    if pdb:
        objects.append({"kind": "PodDisruptionBudget", "metadata": {"name": "svc-3", "namespace": "ml"},
                        "spec": {"minAvailable": "100%", "selector": {"matchLabels": {"app": "svc-3"}}}})  # fmt: skip
        pinned |= {f"ml/{o['metadata']['name']}" for o in objects
                   if o["kind"] == "Pod" and o["metadata"]["labels"]["app"] == "svc-3"}  # fmt: skip
    name = f"planted-{pools}pool{'-jobs' if jobs else ''}{'-pdb' if pdb else ''}"
    return Scenario(name, seed, objects, optimum, total_nodes, frozenset(pinned), True)
