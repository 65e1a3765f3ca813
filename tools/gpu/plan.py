"""A rebalancing plan: objectives applied in the order asked, then the ordered actions, their
totals, and the lower bound that says how far from the best possible the packing is.

Objectives (default order): `free_nodes` (empty whole nodes), `defragment` (free GPUs gathered
into blocks a large job can use), `right_size` (low-utilisation whole-GPU pods move to MIG slices
or time-sliced GPUs that fit their measured memory and compute; the converted node is drained
first, and only conversions that end with fewer nodes in use, or less $/hour, are kept),
`scale_to_zero` (idle workloads whose pods allow it). When `free_nodes` is asked for, it also
runs last to collect what later objectives released.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

from opsgraph.tools.gpu.bounds import nodes_lower_bound
from opsgraph.tools.gpu.cpsat import SolveReport, improve
from opsgraph.tools.gpu.metrics import Utilisation
from opsgraph.tools.gpu.model import GpuNode, Snapshot
from opsgraph.tools.gpu.movability import stay_reasons
from opsgraph.tools.gpu.packing import Packing, blocks, consolidate, defragment
from opsgraph.tools.gpu.settings import GpuSettings, Objective

SHARED_TAINT = "nvidia.com/gpu.shared"  # keeps whole-GPU pods off a time-sliced node
SHARED_CONFIG = "opsgraph-shared"


@dataclass(frozen=True)
class Action:
    kind: str  # scale_to_zero | cordon | mig | time_slice | move | release
    target: str
    detail: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "detail": self.detail}


@dataclass(frozen=True)
class RebalancePlan:
    actions: tuple[Action, ...]
    nodes_freed: int
    gpus_freed: int
    nodes_needed_lower_bound: int
    usd_per_hour_saved: float
    nodes_used_before: int
    nodes_used_after: int
    large_job_nodes_before: int
    large_job_nodes_after: int
    objectives: tuple[str, ...]
    staying: dict[str, str]  # pod -> why it is not moved
    planning_ms: float
    utilisation_source: str
    solver: dict[str, Any] = field(default_factory=dict)  # which optimiser produced the packing, and how it ended

    @property
    def gap(self) -> int:
        return self.nodes_used_after - self.nodes_needed_lower_bound

    def to_json(self) -> dict[str, Any]:
        """The `opsgraph gpu plan --json` contract (DESIGN.md)."""
        return {
            "actions": [a.to_json() for a in self.actions],
            "gpus_freed": self.gpus_freed,
            "nodes_freed": self.nodes_freed,
            "nodes_needed_lower_bound": self.nodes_needed_lower_bound,
            "usd_per_hour_saved": round(self.usd_per_hour_saved, 2),
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.to_json(),
            "actions": [{**a.to_json(), "params": a.params} for a in self.actions],
            "nodes_used_before": self.nodes_used_before,
            "nodes_used_after": self.nodes_used_after,
            "gap_to_lower_bound": self.gap,
            "large_job_nodes_before": self.large_job_nodes_before,
            "large_job_nodes_after": self.large_job_nodes_after,
            "objectives": list(self.objectives),
            "not_moved": self.staying,
            "planning_ms": round(self.planning_ms, 1),
            "utilisation": self.utilisation_source,
            "solver": self.solver,
        }


def node_price(node: GpuNode, settings: GpuSettings) -> float:
    return settings.price_per_gpu(node.product) * node.physical_gpus


def make_plan(
    snapshot: Snapshot,
    usage: Utilisation | None = None,
    settings: GpuSettings | None = None,
    objectives: list[Objective] | None = None,
) -> RebalancePlan:
    started = time.monotonic()
    settings = settings or GpuSettings()
    usage = usage or Utilisation()
    order = list(objectives if objectives is not None else settings.objectives)
    deadline = started + settings.time_limit_s
    staying = stay_reasons(snapshot, settings.movable_owner_kinds)
    p = Packing.build(snapshot, (pod.key for pod in snapshot.pods if pod.key not in staying))
    before_used = set(p.used_nodes())
    blocks_before = blocks(p, settings.large_job_gpus)

    def price(node: GpuNode) -> float:
        return node_price(node, settings)

    scaled: dict[str, list[str]] = {}
    shared: dict[int, tuple[Sharing, list[str]]] = {}
    for objective in order:
        if objective == "scale_to_zero":
            scaled = _scale_to_zero(p, usage, settings)
        elif objective == "right_size":
            shared = _share_low_util(p, usage, settings, price, deadline)
        elif objective == "free_nodes":
            consolidate(p, price, deadline=deadline)
        elif objective == "defragment":
            defragment(p, settings.large_job_gpus, deadline=deadline)
    if "free_nodes" in order and order[-1] != "free_nodes":
        consolidate(p, price, deadline=deadline)
    solver = SolveReport(name="heuristic", status="best fit and local search")
    heuristic_bound = nodes_lower_bound(p)
    if settings.solver == "cpsat" and "free_nodes" in order and len(p.used_nodes()) <= heuristic_bound:
        solver = SolveReport(name="heuristic", status="OPTIMAL (at the lower bound; CP-SAT not needed)")
    elif settings.solver == "cpsat" and "free_nodes" in order:
        used_before_solver = len(p.used_nodes())
        budget = min(settings.cpsat_time_limit_s, max(deadline - time.monotonic(), 0.0))
        solver = improve(p, price, time_limit_s=budget, max_pods=settings.cpsat_max_pods)
        solver.improved_nodes = used_before_solver - len(p.used_nodes())
        if solver.improved_nodes and "defragment" in order:
            defragment(p, settings.large_job_gpus, deadline=deadline)
    bound = max(heuristic_bound, nodes_lower_bound(p), solver.lower_bound or 0)
    actions = _actions(p, before_used, scaled, shared, settings, price)
    freed = [i for i in range(len(p.nodes)) if not p.members[i]]
    return RebalancePlan(
        actions=tuple(actions),
        nodes_freed=len(freed),
        gpus_freed=sum(p.nodes[i].physical_gpus for i in freed),
        nodes_needed_lower_bound=bound,
        usd_per_hour_saved=sum(price(p.nodes[i]) for i in freed),
        nodes_used_before=len(before_used),
        nodes_used_after=len(p.used_nodes()),
        large_job_nodes_before=blocks_before,
        large_job_nodes_after=blocks(p, settings.large_job_gpus),
        objectives=tuple(order),
        staying=staying,
        planning_ms=(time.monotonic() - started) * 1000,
        utilisation_source=usage.source,
        solver=solver.to_json(),
    )


# -- objectives ------------------------------------------------------------------------------------
def _scale_to_zero(p: Packing, usage: Utilisation, settings: GpuSettings) -> dict[str, list[str]]:
    """Workloads whose every GPU pod is idle and allows it; their pods leave the packing."""
    by_workload: dict[str, list[str]] = {}
    for key in list(p.where):
        pod = p.pods[key]
        if pod.workload.startswith("Deployment/"):
            by_workload.setdefault(f"{pod.namespace}/{pod.workload}", []).append(key)
    scaled: dict[str, list[str]] = {}
    for workload, keys in sorted(by_workload.items()):
        pods = [p.pods[k] for k in keys]
        if not all(k in p.movable for k in keys):
            continue
        marker = settings.scale_to_zero_annotation
        if not all({**pod.labels, **pod.annotations}.get(marker) == "allowed" for pod in pods):
            continue
        measured = [usage.pods.get(k) for k in keys]
        if any(m is None or m.util_pct > settings.idle_util_pct for m in measured):
            continue
        for key in keys:
            p.remove(key)
        scaled[workload] = keys
    return scaled


MIG_CAPABLE = ("A100", "A30", "H100", "H200", "B200")


@dataclass(frozen=True)
class Sharing:
    """One way to put several light pods on one GPU: MIG slices (isolated memory and SMs, the node
    is repartitioned) or time-slicing (the device plugin advertises each GPU `per_gpu` times)."""

    kind: str  # "mig" | "time_slice"
    per_gpu: int
    max_util_pct: float  # measured on a whole GPU
    memory_share: float  # of one GPU's memory a pod may use

    def fits(self, node: GpuNode, util_pct: float, fb_mib: float, headroom: float) -> bool:
        if self.kind == "mig" and (
            not any(m in node.product for m in MIG_CAPABLE) or node.labels.get("nvidia.com/mig.capable") == "false"
        ):
            return False
        return util_pct <= self.max_util_pct and fb_mib * headroom <= node.memory_mib * self.memory_share

    def profile(self, node: GpuNode) -> str:
        """The MIG profile of a one-slice instance on this GPU (1g.10gb on an 80 GB GPU)."""
        return f"1g.{round(node.memory_mib / 1024 / 8)}gb"


def sharing_options(settings: GpuSettings) -> tuple[Sharing, ...]:
    replicas = settings.share_replicas
    return (
        # 1g slices: 1/7 of the SMs and 1/8 of the memory (less a little the driver keeps).
        Sharing("mig", 7, min(settings.low_util_pct, 100.0 / 7), 0.97 / 8),
        Sharing("time_slice", replicas, min(settings.low_util_pct, 100.0 / replicas), 1.0 / replicas),
    )


def _eligible_for_sharing(p: Packing, usage: Utilisation, settings: GpuSettings, option: Sharing) -> list[str]:
    """Pods of Deployments whose every GPU pod is light enough for `option`, in one node pool.
    A conversion patches the Deployment's template (the slice resource, the shared nodes), so it
    moves all of its replicas or none."""
    by_workload: dict[str, list[str]] = {}
    for key, pod in p.pods.items():
        by_workload.setdefault(f"{pod.namespace}/{pod.workload}", []).append(key)
    out = []
    for workload, keys in sorted(by_workload.items()):
        one_pool = len({p.nodes[p.where[k]].pool for k in keys if k in p.where}) == 1
        if "/Deployment/" in workload and one_pool and all(_light(p, usage, settings, option, k) for k in keys):
            out.extend(sorted(keys))
    return out


def _light(p: Packing, usage: Utilisation, settings: GpuSettings, option: Sharing, key: str) -> bool:
    if key not in p.where or key not in p.movable or p.req[key][0] != 1:
        return False
    if any(p.req[key][d] for d in range(1, len(p.dims) - 3)):
        return False
    measured = usage.pods.get(key)
    node = p.nodes[p.where[key]]
    if measured is None or node.sharing != "none" or node.memory_mib <= 0 or node.mig_resources:
        return False
    return option.fits(node, measured.util_pct, measured.fb_used_mib, settings.memory_headroom)


def _share_low_util(
    p: Packing, usage: Utilisation, settings: GpuSettings, price: Any, deadline: float
) -> dict[int, tuple[Sharing, list[str]]]:
    """Per node pool and sharing option (MIG, then time-slicing), convert just enough nodes to hold
    the pool's eligible pods; keep the option that ends with the fewest nodes (then $/hour), and
    only if that beats consolidating without any conversion."""
    shared: dict[int, tuple[Sharing, list[str]]] = {}
    pools: dict[str, set[str]] = {}
    for key in p.where:
        pools.setdefault(p.nodes[p.where[key]].pool, set()).add(key)
    for pool in sorted(pools):
        if time.monotonic() > deadline:
            break
        baseline = copy.deepcopy(p)
        consolidate(baseline, price, deadline=deadline, rounds=1)
        best: tuple[tuple[int, float], Packing, Sharing, dict[int, list[str]]] | None = None
        for option in sharing_options(settings):
            keys = [k for k in _eligible_for_sharing(p, usage, settings, option) if k in pools[pool]]
            if len(keys) < 2:
                continue
            trial = copy.deepcopy(p)
            converted = _convert(trial, pool, keys, option.per_gpu)
            if converted is None:
                continue
            consolidate(trial, price, deadline=deadline, rounds=1)
            cost = _cost(trial, price)
            if cost < _cost(baseline, price) and (best is None or cost < best[0]):
                best = (cost, trial, option, converted)
        if best is not None:
            _adopt(p, best[1])
            shared.update({i: (best[2], keys) for i, keys in best[3].items()})
    return shared


def _cost(p: Packing, price: Any) -> tuple[int, float]:
    used = p.used_nodes()
    return len(used), sum(price(p.nodes[i]) for i in used)


def _adopt(p: Packing, other: Packing) -> None:
    p.__dict__.update(copy.deepcopy(other.__dict__))


def _convert(p: Packing, pool: str, keys: list[str], replicas: int) -> dict[int, list[str]] | None:
    candidates = [
        i for i, n in enumerate(p.nodes)
        if n.pool == pool and n.sharing == "none" and n.ready and not n.unschedulable and n.gpus > 0
        and all(i in p.targets[k] or p.where[k] == i for k in keys)
        and all(k in p.movable for k in p.members[i] if k not in keys)
    ]  # fmt: skip
    if not candidates:
        return None
    per_node = int(p.nodes[candidates[0]].gpus) * replicas
    count = math.ceil(len(keys) / per_node)
    eligible = set(keys)
    # Convert the nodes that hold the most eligible pods and the fewest other GPUs.
    candidates.sort(key=lambda i: (-len(p.members[i] & eligible), p.used[i][0], p.nodes[i].name))
    chosen = candidates[:count]
    if len(chosen) < count:
        return None
    for i in chosen:
        p.alloc[i][0] = p.alloc[i][0] * replicas
    chosen_set = set(chosen)
    for key in list(p.targets):
        if key in eligible:
            p.targets[key] = tuple(chosen)
        else:
            p.targets[key] = tuple(j for j in p.targets[key] if j not in chosen_set)
    stay = set(range(len(p.nodes))) - chosen_set
    for i in chosen:
        for key in sorted(p.members[i] - eligible, key=lambda k: -p.req[k][0]):
            spot = next(
                (j for j in sorted(p.targets[key], key=lambda j: p.free_gpus(j)) if j in stay and p.fits(key, j)),
                None,
            )
            if spot is None:
                return None
            p.move(key, spot)
    placed: dict[int, list[str]] = {i: [] for i in chosen}
    for key in keys:
        spot = next((j for j in chosen if p.fits(key, j)), None)
        if spot is None:
            return None
        p.move(key, spot)
        placed[spot].append(key)
    p.shared_replicas.update({i: replicas for i in chosen})
    p.shared_pods.update(keys)
    return placed


# -- actions ---------------------------------------------------------------------------------------
def _actions(
    p: Packing,
    before_used: set[int],
    scaled: dict[str, list[str]],
    shared: dict[int, tuple[Sharing, list[str]]],
    settings: GpuSettings,
    price: Any,
) -> list[Action]:
    actions: list[Action] = []
    for workload, keys in scaled.items():
        namespace, _, name = workload.partition("/Deployment/")
        gpus = sum(p.pods[k].gpus for k in keys)
        actions.append(
            Action(
                "scale_to_zero",
                f"{namespace}/deployment/{name}",
                f"idle (GPU utilisation <= {settings.idle_util_pct:g}%): scale {len(keys)} pod(s) to 0, "
                f"releasing {gpus:g} GPU(s)",
                {"namespace": namespace, "name": name, "replicas": len(keys)},
            )
        )
    freed = [i for i in sorted(before_used) if not p.members[i]]
    freed_set = set(freed)
    for i in freed:
        node = p.nodes[i]
        actions.append(
            Action("cordon", node.name, "stop new pods landing on a node the plan empties", {"node": node.name})
        )
    for i, (option, keys) in sorted(shared.items(), key=lambda kv: kv[0]):
        node = p.nodes[i]
        if option.kind == "mig":
            profile = option.profile(node)
            actions.append(
                Action(
                    "mig",
                    node.name,
                    f"drain, then repartition every GPU into 7 x {profile} (label nvidia.com/mig.config=all-{profile}, "
                    f"taint {SHARED_TAINT}): {len(keys)} low-utilisation pod(s) move here and request "
                    f"nvidia.com/mig-{profile} instead of a whole GPU",
                    {"node": node.name, "config": f"all-{profile}", "resource": f"nvidia.com/mig-{profile}",
                     "pods": sorted(keys), "workloads": _workloads(p, keys)},
                )
            )  # fmt: skip
            continue
        replicas = option.per_gpu
        actions.append(
            Action(
                "time_slice",
                node.name,
                f"drain, then share each GPU {replicas} ways (device-plugin config {SHARED_CONFIG}-{replicas}, "
                f"taint {SHARED_TAINT}): {len(keys)} low-utilisation pod(s) move here",
                {
                    "node": node.name,
                    "replicas": replicas,
                    "config": f"{SHARED_CONFIG}-{replicas}",
                    "pods": sorted(keys),
                    "workloads": _workloads(p, keys),
                },
            )
        )
    moves = p.moves()
    for key, (src, dst) in sorted(moves.items(), key=lambda kv: (-p.req[kv[0]][0], kv[0])):
        pod = p.pods[key]
        why = "empty the node" if src in freed_set else "make room"
        if dst in shared:
            why = "a MIG slice" if shared[dst][0].kind == "mig" else "share a time-sliced GPU"
        actions.append(
            Action(
                "move",
                key,
                f"{p.nodes[src].name} -> {p.nodes[dst].name} ({pod.gpus:g} GPU, {pod.workload}): {why}",
                {
                    "namespace": pod.namespace,
                    "pod": pod.name,
                    "from": p.nodes[src].name,
                    "to": p.nodes[dst].name,
                    "shared": dst in shared,
                    "workload": pod.workload,
                },
            )
        )
    for i in range(len(p.nodes)):
        if p.members[i]:
            continue
        node = p.nodes[i]
        state = "left" if i in freed_set else "already"
        actions.append(
            Action(
                "release",
                node.name,
                f"{state} without GPU pods: scale it down to save ${price(node):,.2f}/h ({node.physical_gpus} x "
                f"{node.product})",
                {"node": node.name, "usd_per_hour": round(price(node), 2)},
            )
        )
    return actions


def _workloads(p: Packing, keys: list[str]) -> list[str]:
    """`namespace/Deployment/name` of the pods' controllers: what a conversion patches."""
    return sorted({f"{p.pods[k].namespace}/{p.pods[k].workload}" for k in keys})


def render_plan(plan: RebalancePlan, limit: int = 15) -> str:
    lines = [
        f"Plan ({', '.join(plan.objectives)}): GPU nodes in use {plan.nodes_used_before} -> {plan.nodes_used_after} "
        f"(at least {plan.nodes_needed_lower_bound} are needed: gap {plan.gap}; "
        f"{plan.solver.get('name', 'heuristic')} {plan.solver.get('status', '')}); "
        f"{plan.nodes_freed} node(s) / {plan.gpus_freed} GPUs left free, ${plan.usd_per_hour_saved:,.2f}/h; "
        "nodes a large job fits on: "
        f"{plan.large_job_nodes_before} -> {plan.large_job_nodes_after}"
    ]
    for i, action in enumerate(plan.actions[:limit], 1):
        lines.append(f"{i:>3}. {action.kind:<13} {action.target}: {action.detail}")
    if len(plan.actions) > limit:
        lines.append(f"... and {len(plan.actions) - limit} more actions")
    if plan.staying:
        lines.append(f"{len(plan.staying)} GPU pod(s) stay where they are (Jobs, PDBs, priority): see details")
    return "\n".join(lines)
