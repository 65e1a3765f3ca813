"""The seed article's GPU cost advice, made runnable as a baseline: turn on time-slicing with
`replicas: 4` on every GPU (its ConfigMap), then let pods pack first-fit into the quarter-GPU
slots. The article gives no placement algorithm; first-fit is what a scheduler does with the slots.

It ignores memory and compute: this module counts the physical GPUs whose co-located pods would
need more framebuffer than the GPU has (out-of-memory) or more than 100% of its SMs."""

from __future__ import annotations

from dataclasses import dataclass

REPLICAS = 4  # the article's `replicas: 4 # Allow 4 pods to share each GPU`


@dataclass(frozen=True)
class SeedResult:
    nodes_used: int
    gpus_overcommitted_memory: int
    gpus_overcommitted_compute: int
    gpus_shared: int


def run(
    nodes: dict[str, int],  # node -> physical GPUs
    pods: list[tuple[str, int, float, float, tuple[str, ...]]],  # (key, gpus, util %, fb MiB, allowed nodes)
    gpu_memory: dict[str, float],  # node -> MiB per GPU
    fixed: dict[str, str],  # pod key -> node, for pods that may not move
) -> SeedResult:
    slots: dict[str, list[list[tuple[float, float]]]] = {n: [[] for _ in range(g)] for n, g in nodes.items()}

    def place(node: str, gpus: int, util: float, fb: float) -> bool:
        free = [i for i, s in enumerate(slots[node]) if len(s) < REPLICAS]
        if len(free) < 1 or sum(REPLICAS - len(slots[node][i]) for i in free) < gpus:
            return False
        left = gpus
        for i in free:
            while left and len(slots[node][i]) < REPLICAS:
                slots[node][i].append((util, fb))
                left -= 1
        return True

    for key, gpus, util, fb, _ in pods:
        if key in fixed:
            place(fixed[key], gpus, util, fb)
    for key, gpus, util, fb, allowed in sorted(pods):
        if key in fixed:
            continue
        for node in sorted(allowed):
            if place(node, gpus, util, fb):
                break
    used = [n for n, gpus in slots.items() if any(gpus)]
    memory = compute = shared = 0
    for node, gpus in slots.items():
        for gpu in gpus:
            if len(gpu) > 1:
                shared += 1
                memory += sum(fb for _, fb in gpu) > gpu_memory[node]
                compute += sum(u for u, _ in gpu) > 100
    return SeedResult(len(used), memory, compute, shared)
