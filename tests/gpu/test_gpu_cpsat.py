"""CP-SAT as the packing optimiser: proves planted optima from a spread-out start, never breaks a
constraint, gives the same plan twice, and says in the plan which solver produced it."""

from __future__ import annotations

from opsgraph.evals.gpu.scenarios import planted
from opsgraph.tools.gpu.cpsat import improve
from opsgraph.tools.gpu.movability import stay_reasons
from opsgraph.tools.gpu.packing import Packing
from opsgraph.tools.gpu.plan import make_plan
from opsgraph.tools.gpu.settings import GpuSettings
from opsgraph.tools.gpu.snapshot import from_objects
from tests.gpu import cluster_builders as cb


def _spread(seed: int, nodes_opt: int) -> tuple[Packing, int]:
    scenario = planted(seed, nodes_opt=nodes_opt)
    snapshot = from_objects(scenario.objects)
    staying = stay_reasons(snapshot, ["ReplicaSet"])
    return Packing.build(snapshot, (p.key for p in snapshot.pods if p.key not in staying)), scenario.optimum_nodes


def test_cp_sat_reaches_and_proves_the_planted_optimum_from_the_spread_start() -> None:
    for seed in (11, 12, 13):
        p, optimum = _spread(seed, 5)
        assert len(p.used_nodes()) > optimum  # the spreading scheduler left it on more nodes
        report = improve(p, lambda n: 10.0, time_limit_s=10.0, max_pods=400)
        assert len(p.used_nodes()) == optimum, (seed, report)
        assert report.status == "OPTIMAL" and report.lower_bound == optimum
        for i in range(len(p.nodes)):  # the books still add up and nothing is over capacity
            assert p.used[i][0] == sum(p.req[k][0] for k in p.members[i]) <= p.alloc[i][0]


def test_windows_split_a_group_larger_than_the_limit_and_never_make_it_worse() -> None:
    p, optimum = _spread(21, 8)
    before = len(p.used_nodes())
    report = improve(p, lambda n: 10.0, time_limit_s=5.0, max_pods=12)
    assert report.windows == 1 and report.lower_bound is None  # a window proves nothing about the whole
    assert optimum <= len(p.used_nodes()) < before


def test_the_plan_names_its_solver_and_is_the_same_twice() -> None:
    snapshot = from_objects(planted(31, nodes_opt=4).objects)
    settings = GpuSettings(solver="cpsat")
    first = make_plan(snapshot, None, settings, ["free_nodes"])
    second = make_plan(snapshot, None, settings, ["free_nodes"])
    assert first.details()["solver"]["name"] in ("cp-sat", "heuristic")
    assert first.details()["solver"]["status"].startswith("OPTIMAL") and first.gap == 0
    assert [a.to_json() for a in first.actions] == [a.to_json() for a in second.actions]
    assert make_plan(snapshot, None, GpuSettings(solver="heuristic"), ["free_nodes"]).solver["name"] == "heuristic"


def test_cp_sat_keeps_selectors_and_pods_that_may_not_move() -> None:
    objects = [
        cb.node("h1"), cb.node("h2"), cb.node("a1", product=cb.A100), cb.node("a2", product=cb.A100),
        cb.pod("job-0", "h1", 4, owner="Job"),
        cb.pod("pinned-0", "a1", 2, selector={"nvidia.com/gpu.product": cb.A100}),
        cb.pod("pinned-1", "a2", 2, selector={"nvidia.com/gpu.product": cb.A100}),
        cb.pod("free-0", "h2", 2), cb.pod("free-1", "h2", 1),
    ]  # fmt: skip
    snapshot = from_objects(objects)
    p = Packing.build(snapshot, (x.key for x in snapshot.pods if x.key not in stay_reasons(snapshot, ["ReplicaSet"])))
    improve(p, lambda n: 10.0, time_limit_s=5.0, max_pods=400)
    where = {k: p.nodes[i].name for k, i in p.where.items()}
    assert where["ml/job-0"] == "h1"
    assert {where["ml/pinned-0"], where["ml/pinned-1"]} <= {"a1", "a2"}
    assert len(p.used_nodes()) == 2  # h1 (job) + one A100 node; free pods may go anywhere
