"""Properties of every plan on random small clusters (hypothesis), checked against the plan's own
actions: capacity never exceeded, selectors/taints/cordons respected, fixed pods untouched, the
lower bound never above the best possible packing (found by brute force) nor above the plan."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsgraph.tools.gpu.constraints import placement_blocker
from opsgraph.tools.gpu.plan import make_plan
from opsgraph.tools.gpu.settings import GpuSettings
from opsgraph.tools.gpu.snapshot import from_objects
from tests.gpu.cluster_builders import A100, H100, node, pod
from tests.gpu.test_gpu_plan import final_placement

Obj = dict[str, Any]


@st.composite
def clusters(draw: st.DrawFn) -> list[Obj]:
    n_nodes = draw(st.integers(2, 4))
    nodes = []
    for i in range(n_nodes):
        product = draw(st.sampled_from([H100, A100]))
        nodes.append(node(f"n{i}", gpus=draw(st.sampled_from([4, 8])), product=product,
                          cordoned=draw(st.booleans()) and i > 0))  # fmt: skip
    free = {n["metadata"]["name"]: int(n["status"]["allocatable"]["nvidia.com/gpu"]) for n in nodes}
    product_of = {n["metadata"]["name"]: n["metadata"]["labels"]["nvidia.com/gpu.product"] for n in nodes}
    pods = []
    for j in range(draw(st.integers(1, 6))):
        size = draw(st.sampled_from([1, 1, 2, 4, 8]))
        host = draw(st.sampled_from(sorted(free)))
        if free[host] < size:
            continue
        free[host] -= size
        owner = draw(st.sampled_from(["ReplicaSet", "ReplicaSet", "ReplicaSet", "Job"]))
        selector = {"nvidia.com/gpu.product": product_of[host]} if draw(st.booleans()) else None
        pods.append(pod(f"w{j}-{j}", host, size, owner=owner, selector=selector, app=f"w{j}"))
    return nodes + pods


def _optimum(items: list[Obj]) -> int:
    """Fewest nodes with a GPU pod over every placement that moves only movable pods (brute force)."""
    snap = from_objects(items)
    nodes = {n.name: n for n in snap.gpu_nodes}
    options = []
    for p in snap.pods:
        if p.owner_kind != "ReplicaSet":
            options.append([p.node])
        else:
            others = sorted(n for n, v in nodes.items() if n != p.node and not placement_blocker(p, v))
            options.append([p.node, *others])
    best = len(nodes)
    for choice in itertools.product(*options):
        used: dict[str, float] = {}
        for p, where in zip(snap.pods, choice, strict=True):
            assert where is not None
            used[where] = used.get(where, 0.0) + p.gpus
        if all(v <= nodes[n].gpus for n, v in used.items()):
            best = min(best, len(used))
    return best


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_every_plan_keeps_the_rules_and_the_bound_is_a_true_lower_bound(items: list[Obj]) -> None:
    snap = from_objects(items)
    plan = make_plan(snap, None, GpuSettings(), ["free_nodes", "defragment"])
    nodes = {n.name: n for n in snap.gpu_nodes}
    pods = {p.key: p for p in snap.pods}
    placement = final_placement(items, plan)
    used: dict[str, float] = {}
    for key, where in placement.items():
        used[where] = used.get(where, 0.0) + pods[key].gpus
    assert all(used[n] <= nodes[n].gpus for n in used), "a node is over capacity"
    for action in plan.actions:
        if action.kind != "move":
            continue
        p = pods[action.target]
        assert p.owner_kind == "ReplicaSet", "a Job pod was moved"
        assert not placement_blocker(p, nodes[action.params["to"]]), "moved where it may not run"
    assert plan.nodes_used_after == len(set(placement.values()))
    assert plan.nodes_freed == len(nodes) - len(set(placement.values()))
    optimum = _optimum(items)
    assert plan.nodes_needed_lower_bound <= optimum <= plan.nodes_used_after
