"""Plans on hand-made clusters with known best answers, and the constraints a plan must keep:
selectors, taints, cordons, disruption budgets, Jobs, capacity; the lower bound never exceeds
what is achievable."""

from __future__ import annotations

from typing import Any

import pytest

from opsgraph.tools.gpu.metrics import aggregate, parse_query_result
from opsgraph.tools.gpu.plan import RebalancePlan, make_plan
from opsgraph.tools.gpu.settings import GpuSettings
from opsgraph.tools.gpu.snapshot import from_objects
from tests.gpu.cluster_builders import A100, H100, dcgm, node, pdb, pod

Obj = dict[str, Any]


def plan_for(items: list[Obj], samples: list[Obj] | None = None, **kwargs: Any) -> RebalancePlan:
    usage = aggregate(parse_query_result(samples), "test") if samples else None
    return make_plan(from_objects(items), usage, GpuSettings(), **kwargs)


def final_placement(items: list[Obj], plan: RebalancePlan) -> dict[str, str]:
    """pod key -> node after the plan's moves (scaled-to-zero pods are gone)."""
    where = {
        f"{o['metadata']['namespace']}/{o['metadata']['name']}": o["spec"]["nodeName"]
        for o in items
        if o["kind"] == "Pod" and o["spec"].get("nodeName")
    }
    for action in plan.actions:
        if action.kind == "move":
            assert where[action.target] == action.params["from"]
            where[action.target] = action.params["to"]
        elif action.kind == "scale_to_zero":
            namespace, name = action.params["namespace"], action.params["name"]
            for key in [k for k in where if k.startswith(f"{namespace}/{name}-")]:
                del where[key]
    return where


def moved(plan: RebalancePlan) -> set[str]:
    return {a.target for a in plan.actions if a.kind == "move"}


def test_three_half_empty_nodes_pack_onto_one() -> None:
    items = [node("a"), node("b"), node("c"), pod("big-1", "a", 4), pod("mid-1", "b", 2), pod("mid-2", "c", 2)]
    plan = plan_for(items)
    assert (plan.nodes_used_after, plan.nodes_needed_lower_bound, plan.nodes_freed, plan.gpus_freed) == (1, 1, 2, 16)
    assert plan.usd_per_hour_saved == pytest.approx(2 * 8 * 12.29)
    assert set(final_placement(items, plan).values()) == {"a"}
    kinds = [a.kind for a in plan.actions]
    assert kinds.index("cordon") < kinds.index("move") < kinds.index("release")


def test_five_three_pairs_reach_the_optimum_of_two_nodes() -> None:
    items = [node(n) for n in "abcd"] + [pod("x-1", "a", 5), pod("y-1", "b", 3), pod("x-2", "c", 5), pod("y-2", "d", 3)]
    plan = plan_for(items)
    assert plan.nodes_used_after == plan.nodes_needed_lower_bound == 2
    assert plan.nodes_freed == 2


def test_two_pods_larger_than_half_a_node_need_two_nodes_and_the_bound_knows() -> None:
    plan = plan_for([node("a"), node("b"), pod("x-1", "a", 6), pod("x-2", "b", 6)])
    assert plan.nodes_needed_lower_bound == 2 and plan.nodes_used_after == 2
    assert not moved(plan)


def test_a_pod_pinned_by_selector_is_never_moved_off_its_node() -> None:
    pinned = pod("pinned-1", "b", 2, selector={"kubernetes.io/hostname": "b"})
    items = [node("a"), node("b"), node("c"), pod("big-1", "a", 4), pinned, pod("mid-1", "c", 2)]
    plan = plan_for(items)
    assert "ml/pinned-1" not in moved(plan)
    assert set(final_placement(items, plan).values()) == {"b"}  # the others come to it
    assert plan.nodes_used_after == plan.nodes_needed_lower_bound == 1


def test_pods_never_land_on_a_product_their_selector_excludes() -> None:
    items = [node("h1"), node("a1", product=A100), pod("chat-1", "h1", 1, selector={"nvidia.com/gpu.product": H100}),
             pod("emb-1", "a1", 1, selector={"nvidia.com/gpu.product": A100})]  # fmt: skip
    plan = plan_for(items)
    assert not moved(plan) and plan.nodes_used_after == plan.nodes_needed_lower_bound == 2


def test_untolerated_taints_and_cordoned_nodes_are_never_targets() -> None:
    dedicated = node("t", labels={})
    dedicated["spec"]["taints"].append({"key": "dedicated", "value": "training", "effect": "NoSchedule"})
    items = [dedicated, node("c", cordoned=True), node("b"), pod("big-1", "b", 6), pod("small-1", "t", 1),
             pod("small-2", "c", 1)]  # fmt: skip
    plan = plan_for(items)
    placement = final_placement(items, plan)
    assert placement["ml/small-1"] in ("t", "b") and placement["ml/small-2"] == "b"
    assert "t" not in {a.params.get("to") for a in plan.actions if a.kind == "move"}


def test_a_pdb_with_no_room_keeps_its_pods_and_the_bound_counts_them() -> None:
    items = [node("a"), node("b"), pod("chat-1", "a", 1, app="chat"), pod("chat-2", "b", 1, app="chat"),
             pdb("chat", "chat", min_available=2)]  # fmt: skip
    plan = plan_for(items)
    assert not moved(plan)
    assert plan.nodes_needed_lower_bound == 2
    assert "allows no disruption" in plan.staying["ml/chat-1"]


def test_a_pdb_with_room_lets_the_plan_move_one_pod() -> None:
    items = [node("a"), node("b"), pod("chat-1", "a", 1, app="chat"), pod("chat-2", "b", 1, app="chat"),
             pdb("chat", "chat", max_unavailable=1)]  # fmt: skip
    plan = plan_for(items)
    assert len(moved(plan)) == 1 and plan.nodes_freed == 1


def test_jobs_bare_pods_and_system_priority_stay() -> None:
    items = [node("a"), node("b"), node("c"), node("d"), pod("train-1", "a", 2, owner="Job"),
             pod("bare-1", "b", 2, owner=""), pod("crit-1", "c", 1, priority=2_000_000_000),
             pod("svc-1", "d", 1)]  # fmt: skip
    plan = plan_for(items)
    assert moved(plan) == {"ml/svc-1"}
    assert plan.nodes_used_after == plan.nodes_needed_lower_bound == 3
    assert "Job" in plan.staying["ml/train-1"] and "nothing would recreate" in plan.staying["ml/bare-1"]


def test_pending_pods_are_left_to_the_scheduler() -> None:
    plan = plan_for([node("a"), node("b"), pod("p-1", "a", 1), pod("q-1", None, 2, phase="Pending")])
    assert "ml/q-1" in plan.staying and "ml/q-1" not in moved(plan)


def _low_util_cluster(util: float = 8.0, fb_mib: float = 9000) -> tuple[list[Obj], list[Obj]]:
    items: list[Obj] = [node(n, product=A100, memory_mib=81920) for n in ("a", "b", "c")]
    samples: list[Obj] = []
    for n in ("a", "b", "c"):
        for i in range(6):
            name = f"emb{n}-{i}"
            items.append(pod(name, n, 1, app=f"emb{n}"))
            samples += dcgm("ml", name, n, util=util, fb_mib=fb_mib)
    return items, samples


def test_low_utilisation_pods_share_time_sliced_gpus_and_free_nodes() -> None:
    items, samples = _low_util_cluster()
    whole = plan_for(items, samples, objectives=["free_nodes"])
    assert whole.nodes_freed == 0 and whole.nodes_needed_lower_bound == 3  # 18 whole GPUs need 3 nodes
    shared = plan_for(items, samples)
    assert shared.nodes_freed == 2 and shared.nodes_used_after == shared.nodes_needed_lower_bound == 1
    (slice_action,) = [a for a in shared.actions if a.kind == "time_slice"]
    assert slice_action.params["replicas"] == 4
    assert shared.gpus_freed == 16


def test_pods_that_fit_a_one_slice_mig_instance_get_one() -> None:
    items, samples = _low_util_cluster(util=5.0, fb_mib=6000)  # 6000 x 1.25 fits 1g.10gb, 5% < 1/7
    plan = plan_for(items, samples)
    assert plan.nodes_freed == 2 and plan.nodes_used_after == plan.nodes_needed_lower_bound == 1
    (mig,) = [a for a in plan.actions if a.kind == "mig"]
    assert mig.params["config"] == "all-1g.10gb" and mig.params["resource"] == "nvidia.com/mig-1g.10gb"
    assert not [a for a in plan.actions if a.kind == "time_slice"]
    # 9000 MiB x 1.25 is more than a 1g.10gb slice holds: time-slicing instead (previous test).
    hopper, _ = _low_util_cluster(util=5.0, fb_mib=6000)
    for obj in hopper:
        if obj["kind"] == "Node":
            obj["metadata"]["labels"]["nvidia.com/gpu.product"] = "NVIDIA-L40S"  # not MIG-capable
    assert not [a for a in plan_for(hopper, samples).actions if a.kind == "mig"]


def test_busy_or_memory_hungry_pods_do_not_share() -> None:
    items, samples = _low_util_cluster()
    hungry = [s if "FB_USED" not in s["metric"]["__name__"] else {**s, "value": [0, "30000"]} for s in samples]
    plan = plan_for(items, hungry)
    assert not [a for a in plan.actions if a.kind == "time_slice"] and plan.nodes_freed == 0


def test_idle_workloads_that_allow_it_scale_to_zero_and_the_order_is_the_users() -> None:
    allowed = {"opsgraph.io/scale-to-zero": "allowed"}
    items = [node("a"), node("b"), pod("big-1", "a", 8), pod("idle-1", "b", 2, labels=allowed),
             pod("busy-1", "b", 1)]  # fmt: skip
    samples = dcgm("ml", "idle-1", "b", 0.0, 500, gpus=2) + dcgm("ml", "busy-1", "b", 50.0, 20000)
    plan = plan_for(items, samples)
    assert [a.target for a in plan.actions if a.kind == "scale_to_zero"] == ["ml/deployment/idle"]
    without = plan_for(items, samples, objectives=["free_nodes", "defragment"])
    assert not [a for a in without.actions if a.kind == "scale_to_zero"]
    assert without.objectives == ("free_nodes", "defragment")
    # Idle but not marked as allowed: stays.
    unmarked = [o for o in items if o["metadata"]["name"] != "idle-1"] + [pod("idle-1", "b", 2)]
    assert not [a for a in plan_for(unmarked, samples).actions if a.kind == "scale_to_zero"]


def test_defragment_opens_a_block_for_a_four_gpu_job_where_no_node_can_be_freed() -> None:
    items = [node("a"), node("b"), pod("train-1", "a", 4, owner="Job"), pod("s-1", "a", 1),
             pod("train-2", "b", 4, owner="Job"), pod("s-2", "b", 1)]  # fmt: skip
    settings = GpuSettings(large_job_gpus=4)
    plan = make_plan(from_objects(items), None, settings, ["free_nodes", "defragment"])
    assert plan.nodes_freed == 0 and plan.nodes_needed_lower_bound == 2
    assert (plan.large_job_nodes_before, plan.large_job_nodes_after) == (0, 1)
    assert len(moved(plan)) == 1
    assert not make_plan(from_objects(items), None, settings, ["free_nodes"]).actions
