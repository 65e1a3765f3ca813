"""The working state of a rebalancing plan: which GPU pod sits on which node, with the books kept
per resource (GPUs, MIG slices, cpu, memory, pod count), and the moves that change it.

Heuristics live here: `consolidate` empties nodes one at a time (best-fit of the node's pods into
the nodes that stay, largest first, with several node orders tried), `defragment` gathers free GPUs
into blocks a large job can use, and `first_fit` is the baseline the default scheduler amounts to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from opsgraph.tools.gpu.constraints import placement_blocker, signature
from opsgraph.tools.gpu.model import GPU, GpuNode, GpuPod, Snapshot

EPS = 1e-9


@dataclass
class Packing:
    nodes: list[GpuNode]
    dims: list[str]
    alloc: list[list[float]]
    used: list[list[float]]  # every pod's requests, GPU pods and the rest
    pods: dict[str, GpuPod]
    req: dict[str, list[float]]
    where: dict[str, int]  # placed GPU pods only
    members: list[set[str]]
    movable: set[str]
    targets: dict[str, tuple[int, ...]]  # nodes a movable pod may be placed on
    origin: dict[str, int] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    # Set when nodes are converted to time-slicing: the replicas per GPU of each converted node,
    # and the pods that must end up on one of them.
    shared_replicas: dict[int, int] = field(default_factory=dict)
    shared_pods: set[str] = field(default_factory=set)

    def allowed(self, key: str) -> set[int]:
        """Every node the pod may end on: its targets, or where it is unless that node was converted."""
        nodes = set(self.targets.get(key, ()))
        home = self.origin.get(key)
        if key not in self.shared_pods and home is not None and home not in self.shared_replicas:
            nodes.add(home)
        return nodes

    @classmethod
    def build(cls, snapshot: Snapshot, movable: Iterable[str]) -> Packing:
        nodes = sorted(snapshot.gpu_nodes, key=lambda n: n.name)
        index = {n.name: i for i, n in enumerate(nodes)}
        dims = [GPU, *sorted({k for n in nodes for k in n.mig_resources}), "cpu", "memory", "pods"]
        alloc = [[n.allocatable.get(d, 0.0) for d in dims] for n in nodes]
        used = [[snapshot.other_pods.get(n.name, {}).get(d, 0.0) for d in dims] for n in nodes]
        pods = {p.key: p for p in snapshot.pods if p.node in index}
        req = {k: [p.requests.get(d, 0.0) for d in dims] for k, p in pods.items()}
        where = {k: index[p.node] for k, p in pods.items() if p.node is not None}
        members: list[set[str]] = [set() for _ in nodes]
        for key, i in where.items():
            members[i].add(key)
            row = used[i]
            for d, amount in enumerate(req[key]):
                row[d] += amount
        movable_set = {k for k in movable if k in pods}
        by_signature: dict[tuple[object, ...], tuple[int, ...]] = {}
        targets: dict[str, tuple[int, ...]] = {}
        for key in movable_set:
            pod = pods[key]
            sig = signature(pod)
            if sig not in by_signature:
                by_signature[sig] = tuple(i for i, n in enumerate(nodes) if not placement_blocker(pod, n))
            targets[key] = by_signature[sig]
        packing = cls(nodes, dims, alloc, used, pods, req, where, members, movable_set, targets)
        packing.origin = dict(where)
        packing.index = index
        return packing

    # -- books ---------------------------------------------------------------------------------
    def fits(self, key: str, i: int) -> bool:
        row, cap = self.used[i], self.alloc[i]
        return all(row[d] + amount <= cap[d] + EPS for d, amount in enumerate(self.req[key]) if amount)

    def move(self, key: str, i: int) -> None:
        j = self.where[key]
        if j == i:
            return
        amounts = self.req[key]
        src, dst = self.used[j], self.used[i]
        for d, amount in enumerate(amounts):
            if amount:
                src[d] -= amount
                dst[d] += amount
        self.members[j].discard(key)
        self.members[i].add(key)
        self.where[key] = i

    def remove(self, key: str) -> None:
        """The pod goes away (its workload is scaled to zero)."""
        i = self.where.pop(key)
        for d, amount in enumerate(self.req[key]):
            self.used[i][d] -= amount
        self.members[i].discard(key)
        self.movable.discard(key)

    def free_gpus(self, i: int) -> float:
        return self.alloc[i][0] - self.used[i][0]

    def has_gpu_pods(self, i: int) -> bool:
        return bool(self.members[i])

    def used_nodes(self) -> list[int]:
        return [i for i in range(len(self.nodes)) if self.members[i]]

    def moves(self) -> dict[str, tuple[int, int]]:
        """pod -> (from, to) for every pod not where it started."""
        return {k: (self.origin[k], i) for k, i in self.where.items() if self.origin.get(k, i) != i}

    def snapshot_state(self) -> tuple[dict[str, int], list[list[float]]]:
        return dict(self.where), [list(r) for r in self.used]

    def restore(self, state: tuple[dict[str, int], list[list[float]]]) -> None:
        where, used = state
        self.where = dict(where)
        self.used = [list(r) for r in used]
        self.members = [set() for _ in self.nodes]
        for key, i in self.where.items():
            self.members[i].add(key)

    def gpu_size(self, key: str) -> float:
        """How much of a node the pod takes, for ordering: GPUs, or MIG slices as a GPU share."""
        amounts = self.req[key]
        return amounts[0] + sum(amounts[d] / 7.0 for d in range(1, len(self.dims) - 3))


# -- consolidation ---------------------------------------------------------------------------------
def _evacuate(p: Packing, i: int, stay: set[int]) -> bool:
    """Re-place every GPU pod of node i onto nodes in `stay` (best fit, largest first); all or nothing."""
    keys = sorted(p.members[i], key=lambda k: (-p.gpu_size(k), k))
    if any(k not in p.movable for k in keys):
        return False
    need = sum(p.req[k][0] for k in keys)
    if need > sum(p.free_gpus(j) for j in stay) + EPS:
        return False
    done: list[tuple[str, int]] = []
    for key in keys:
        best, best_left = -1, float("inf")
        for j in p.targets[key]:
            if j == i or j not in stay or not p.fits(key, j):
                continue
            left = p.free_gpus(j) - p.req[key][0]
            if left < best_left - EPS:
                best, best_left = j, left
        if best < 0:
            for k, _ in reversed(done):
                p.move(k, i)
            return False
        p.move(key, best)
        done.append((key, best))
    return True


NodeOrder = Callable[[Packing, int], tuple[float | str, ...]]

ORDERS: dict[str, NodeOrder] = {
    # fewest GPUs in use first (fewest moves), then the most expensive
    "lightest": lambda p, i: (p.used[i][0], -p.alloc[i][0], p.nodes[i].name),
    # emptiest relative to size first
    "share": lambda p, i: (p.used[i][0] / (p.alloc[i][0] or 1.0), p.nodes[i].name),
    # fewest pods first (fewest evictions)
    "fewest_pods": lambda p, i: (len(p.members[i]), p.used[i][0], p.nodes[i].name),
}


def consolidate(
    p: Packing, price: Callable[[GpuNode], float], *, deadline: float | None = None, rounds: int = 3
) -> None:
    """Empty as many nodes as possible (then the most $/hour), trying several node orders and
    keeping the best result; fewer moves break ties."""
    start = p.snapshot_state()
    best: tuple[tuple[float, ...], tuple[dict[str, int], list[list[float]]]] | None = None
    for order in ORDERS.values():
        p.restore(start)
        for _ in range(rounds):
            if not _sweep(p, order, price, deadline):
                break
        freed = [i for i in range(len(p.nodes)) if not p.members[i]]
        score = (-len(freed), -sum(price(p.nodes[i]) for i in freed), len(p.moves()))
        if best is None or score < best[0]:
            best = (score, p.snapshot_state())
        if deadline is not None and time.monotonic() > deadline:
            break
    assert best is not None
    p.restore(best[1])


def _sweep(p: Packing, order: NodeOrder, price: Callable[[GpuNode], float], deadline: float | None) -> bool:
    """One pass over the used nodes; True when some node was emptied."""
    used = set(p.used_nodes())
    progress = False
    for i in sorted(used, key=lambda i: order(p, i)):
        if deadline is not None and time.monotonic() > deadline:
            break
        if i not in used:
            continue
        stay = used - {i}
        if _evacuate(p, i, stay):
            used.discard(i)
            progress = True
    return progress


# -- defragmentation -------------------------------------------------------------------------------
def blocks(p: Packing, size: int) -> int:
    """Schedulable nodes where a `size`-GPU job fits now (by GPUs)."""
    return sum(
        1
        for i, n in enumerate(p.nodes)
        if not n.unschedulable and n.ready and p.free_gpus(i) >= size - EPS and p.alloc[i][0] >= size
    )


def defragment(p: Packing, size: int, *, deadline: float | None = None) -> int:
    """Gather free GPUs so more nodes have `size` free: move small pods off a node that is close to
    a full block onto nodes that are fragmented anyway. Returns how many blocks were made."""
    made = 0
    tried: set[int] = set()
    while deadline is None or time.monotonic() < deadline:
        candidates = [
            i
            for i, n in enumerate(p.nodes)
            if i not in tried and n.ready and not n.unschedulable and p.alloc[i][0] >= size
            and p.members[i] and p.free_gpus(i) < size - EPS
        ]  # fmt: skip
        if not candidates:
            break
        i = min(candidates, key=lambda i: (size - p.free_gpus(i), p.nodes[i].name))
        tried.add(i)
        if _open_block(p, i, size):
            made += 1
    return made


def _open_block(p: Packing, i: int, size: int) -> bool:
    need = size - p.free_gpus(i)
    keys = sorted(p.members[i], key=lambda k: (p.req[k][0], k))
    chosen, total = [], 0.0
    for key in keys:
        if key not in p.movable or p.req[key][0] <= 0:
            continue
        chosen.append(key)
        total += p.req[key][0]
        if total >= need - EPS:
            break
    if total < need - EPS:
        return False
    state = p.snapshot_state()
    for key in sorted(chosen, key=lambda k: -p.req[k][0]):
        best, best_left = -1, float("inf")
        for j in p.targets[key]:
            if j == i or not p.members[j] or not p.fits(key, j):
                continue
            left = p.free_gpus(j) - p.req[key][0]
            if p.free_gpus(j) >= size - EPS and left < size - EPS:
                continue  # would break another block
            if left < best_left - EPS:
                best, best_left = j, left
        if best < 0:
            p.restore(state)
            return False
        p.move(key, best)
    return True


# -- baselines and measures ------------------------------------------------------------------------
def first_fit(p: Packing) -> int:
    """The baseline: what a first-fit scheduler (the issue's stand-in for the default one) makes of
    the same pods. Every movable pod is taken off and placed again, in name (arrival) order, on the
    first node in name order with room. Returns how many pods found no room (left where they were)."""
    for key in sorted(p.movable):
        i = p.where.pop(key)
        for d, amount in enumerate(p.req[key]):
            p.used[i][d] -= amount
        p.members[i].discard(key)
    stranded = 0
    for key in sorted(p.movable):
        home = p.origin[key]
        spot = next((j for j in p.targets[key] if p.fits(key, j)), home)
        stranded += spot == home and not p.fits(key, home)
        p.where[key] = spot
        p.members[spot].add(key)
        for d, amount in enumerate(p.req[key]):
            p.used[spot][d] += amount
    return stranded


def fgd_fragmentation(p: Packing, sizes: dict[float, float]) -> float:
    """Expected GPUs left unusable, as FGD (Weng et al., USENIX ATC'23) measures it for whole-GPU
    tasks: for a task of size s drawn from `sizes` (size -> probability), a node's free GPUs are
    fragmented when s does not fit there. Summed over schedulable GPU nodes."""
    total = 0.0
    for i, n in enumerate(p.nodes):
        if n.unschedulable or not n.ready:
            continue
        free = p.free_gpus(i)
        if free <= EPS:
            continue
        total += sum(prob * free for s, prob in sizes.items() if s > free + EPS)
    return total
