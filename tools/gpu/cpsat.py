"""CP-SAT (OR-tools) as the packing optimiser, warm-started by the heuristic's packing.

The pods are split into independent groups (the connected parts of the pod -> allowed-node
graph, as in `bounds`); a group with more movable pods than `cpsat_max_pods` is cut into windows
of nodes (emptiest first) small enough for CP-SAT, each solved with its pods confined to the
window. Per group or window: one boolean per (pod, node it may end on), one per node "used";
every pod on exactly one node; per resource (whole GPUs, MIG profiles, cpu in millicores,
memory in MiB, pod slots) the pods on a node fit the room left by the pods that stay, and only
on a used node; nodes holding a pod that may not move are used. Objective, lexicographic: nodes
used, then their $/hour, then pods moved. The heuristic's placement is the hint, so CP-SAT
starts from it and can only improve it. Requests are rounded up and capacities down, so a
CP-SAT packing always fits.

CP-SAT runs with one worker, a fixed seed and a deterministic-time budget, so the same cluster
gives the same plan (an approval is bound to the plan's diff). Its proven objective bound gives
a lower bound on nodes for each group solved whole; when every group is solved to optimality
the plan's node count is optimal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsgraph.tools.gpu.model import GpuNode
from opsgraph.tools.gpu.packing import Packing

_CPU_SCALE = 1000.0  # millicores
_MEMORY_SCALE = 2.0**20  # MiB


@dataclass
class SolveReport:
    name: str = "cp-sat"
    status: str = "not run"  # OPTIMAL | FEASIBLE | not run | skipped (<why>)
    groups: int = 0
    optimal_groups: int = 0
    windows: int = 0  # groups too large, solved in windows
    improved_nodes: int = 0  # nodes freed beyond the heuristic
    lower_bound: int | None = None  # nodes, proven by CP-SAT (None unless every group was solved whole)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name, "status": self.status, "groups": self.groups, "optimal_groups": self.optimal_groups,
            "windows": self.windows, "improved_nodes": self.improved_nodes, "lower_bound": self.lower_bound,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


def groups(p: Packing) -> list[tuple[list[int], list[str]]]:
    """(nodes, movable pods) of each independent part, largest first."""
    parent = list(range(len(p.nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    allowed: dict[str, set[int]] = {}
    for key in sorted(p.movable):
        if key not in p.where:
            continue
        nodes = p.allowed(key) | {p.where[key]}
        allowed[key] = nodes
        first = find(p.where[key])
        for j in nodes:
            parent[find(j)] = first
    parts: dict[int, tuple[set[int], list[str]]] = {}
    for key, nodes in allowed.items():
        root = find(p.where[key])
        entry = parts.setdefault(root, (set(), []))
        entry[0].update(nodes)
        entry[1].append(key)
    return sorted(((sorted(n), k) for n, k in parts.values()), key=lambda g: (-len(g[1]), g[0]))


def improve(p: Packing, price: Callable[[GpuNode], float], *, time_limit_s: float, max_pods: int) -> SolveReport:
    """Re-pack `p` in place with CP-SAT where that frees more (or dearer) nodes; report how it went."""
    from ortools.sat.python import cp_model  # heavy: imported only when planning with CP-SAT

    started = time.monotonic()
    report = SolveReport()
    parts = groups(p)
    report.groups = len(parts)
    if not parts:
        report.status = "skipped (no movable pod)"
        return report
    jobs: list[tuple[list[int], list[str], bool]] = []
    for nodes, keys in parts:
        if len(keys) <= max_pods:
            jobs.append((nodes, keys, True))
        else:
            report.windows += 1
            jobs += [(w_nodes, w_keys, False) for w_nodes, w_keys in _windows(p, nodes, keys, max_pods)]
    bound_total, whole = 0, True
    statuses: list[str] = []
    for index, (nodes, keys, is_whole) in enumerate(jobs):
        left = time_limit_s - (time.monotonic() - started)
        if left <= 0.01:
            report.notes.append("time limit reached")
            whole = False
            break
        budget = left / (len(jobs) - index)
        status, bound = _solve(cp_model, p, nodes, keys, price, budget)
        statuses.append(status)
        if is_whole and status == "OPTIMAL":
            report.optimal_groups += 1
        if is_whole and bound is not None:
            bound_total += bound
        else:
            whole = False
    in_groups = {i for nodes, _ in parts for i in nodes}
    if whole and len(statuses) == len(jobs):
        outside = sum(1 for i in p.used_nodes() if i not in in_groups)
        report.lower_bound = bound_total + outside
    report.status = "OPTIMAL" if statuses and all(s == "OPTIMAL" for s in statuses) and whole else "FEASIBLE"
    report.seconds = time.monotonic() - started
    return report


def _windows(p: Packing, nodes: list[int], keys: list[str], max_pods: int) -> list[tuple[list[int], list[str]]]:
    """Consecutive runs of the group's used nodes, emptiest first, holding at most `max_pods` pods."""
    wanted = set(keys)
    order = sorted((i for i in nodes if p.members[i]), key=lambda i: (p.used[i][0], p.nodes[i].name))
    out: list[tuple[list[int], list[str]]] = []
    current: list[int] = []
    count = 0
    for i in order:
        here = len(p.members[i] & wanted)
        if current and count + here > max_pods:
            out.append((current, sorted(k for j in current for k in p.members[j] & wanted)))
            current, count = [], 0
        current.append(i)
        count += here
    if current:
        out.append((current, sorted(k for j in current for k in p.members[j] & wanted)))
    return [w for w in out if len(w[0]) > 1]


def _amounts(p: Packing, key: str) -> list[int]:
    req = p.req[key]
    dims = len(p.dims)
    out = [math.ceil(req[d] - 1e-9) for d in range(dims - 3)]
    out += [math.ceil(req[dims - 3] * _CPU_SCALE - 1e-6), math.ceil(req[dims - 2] / _MEMORY_SCALE - 1e-6),
            math.ceil(req[dims - 1] - 1e-9)]  # fmt: skip
    return out


def _room(p: Packing, i: int, leaving: list[str]) -> list[int]:
    dims = len(p.dims)
    free = [p.alloc[i][d] - p.used[i][d] for d in range(dims)]
    for key in leaving:
        for d in range(dims):
            free[d] += p.req[key][d]
    out = [math.floor(free[d] + 1e-9) for d in range(dims - 3)]
    out += [math.floor(free[dims - 3] * _CPU_SCALE + 1e-6), math.floor(free[dims - 2] / _MEMORY_SCALE + 1e-6),
            math.floor(free[dims - 1] + 1e-9)]  # fmt: skip
    return out


def _solve(
    cp_model: object, p: Packing, nodes: list[int], keys: list[str], price: Callable[[GpuNode], float], budget: float
) -> tuple[str, int | None]:
    """Solve one group or window; adopt the result when it is better. (status, node lower bound)."""
    built = time.monotonic()
    cp = cp_model  # the module; typed loosely because ortools ships no stubs
    model = cp.CpModel()  # type: ignore[attr-defined]
    node_set = set(nodes)
    on_node = {i: [k for k in keys if p.where[k] == i] for i in nodes}
    room = {i: _room(p, i, on_node[i]) for i in nodes}
    pinned = {i for i in nodes if any(k not in keys for k in p.members[i])}  # keeps pods that stay
    x: dict[tuple[str, int], Any] = {}
    for key in keys:
        options = sorted((p.allowed(key) | {p.where[key]}) & node_set)
        for i in options:
            x[key, i] = model.new_bool_var("")
        model.add_exactly_one(x[key, i] for i in options)
        for i in options:
            model.add_hint(x[key, i], int(p.where[key] == i))
    used = {i: model.new_bool_var("") for i in nodes}
    for i in nodes:
        model.add_hint(used[i], int(bool(p.members[i])))
        if i in pinned:
            model.add(used[i] == 1)
        here = [(key, var) for (key, j), var in x.items() if j == i]
        if not here:
            if i not in pinned:
                model.add(used[i] == 0)
            continue
        amounts = {key: _amounts(p, key) for key, _ in here}
        for d in range(len(p.dims)):
            terms = [(amounts[key][d], var) for key, var in here if amounts[key][d]]
            if terms:
                model.add(sum(a * v for a, v in terms) <= room[i][d] * used[i])
        for _, var in here:
            model.add_implication(var, used[i])
    moves = [var for (key, i), var in x.items() if p.where[key] != i]
    cents = {i: round(price(p.nodes[i]) * 100) for i in nodes}
    w2 = len(moves) + 1
    w1 = (sum(cents.values()) + 1) * w2
    model.minimize(sum(w1 * used[i] + w2 * cents[i] * used[i] for i in nodes) + sum(moves))
    solver = cp.CpSolver()  # type: ignore[attr-defined]
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    # The deterministic budget binds first on a machine that is not overloaded: same input, same plan.
    solver.parameters.max_deterministic_time = max(budget * 0.5, 0.01)
    solver.parameters.max_time_in_seconds = max(budget - (time.monotonic() - built), 0.01)
    status = solver.status_name(solver.solve(model))
    if status not in ("OPTIMAL", "FEASIBLE"):
        return status, None
    bound = math.floor((solver.best_objective_bound + 1e-6) / w1) if status == "FEASIBLE" else None
    chosen = {key: next(i for (k, i), var in x.items() if k == key and solver.value(var)) for key in keys}
    before = (sum(1 for i in nodes if p.members[i]), sum(cents[i] for i in nodes if p.members[i]))
    after_used = {chosen[k] for k in keys} | pinned
    after = (len(after_used), sum(cents[i] for i in after_used))
    if after < before:
        _place(p, chosen)
    if status == "OPTIMAL":
        bound = min(after, before)[0]
    return status, bound


def _place(p: Packing, chosen: dict[str, int]) -> None:
    """Move every pod to its CP-SAT node (all at once: the books are exact at the end)."""
    for key, i in chosen.items():
        j = p.where[key]
        if j == i:
            continue
        for d, amount in enumerate(p.req[key]):
            p.used[j][d] -= amount
            p.used[i][d] += amount
        p.members[j].discard(key)
        p.members[i].add(key)
        p.where[key] = i
