"""The GPU rebalancing eval: plans on generated clusters whose optimum is known (evals/gpu/scenarios).

Seeds split in code: DEV_SEEDS choose the thresholds (`dev_thresholds`: the dev mean with a 0.02
margin, rounded outwards); TEST_SEEDS chose nothing and are what the suite reports.
evals/thresholds.yaml carries the dev-chosen numbers (regenerate them with
`python -m opsgraph.evals.gpu --dev-thresholds`). There are no public GPU cluster traces in
../shared/data, so the suite needs no data.

Per plan (objectives free_nodes then defragment, default settings, CP-SAT on):
- `gap_to_optimum`: (nodes used - optimum) / optimum, where the optimum is planted (lower is better)
- `gap_to_bound`: (nodes used - the plan's lower bound) / bound, every scenario (lower is better)
- `gpus_freed_vs_possible`: GPUs freed / the most any plan can free (planted scenarios)
- `violations`: pods over a node's capacity, moved onto a node their selector or taints forbid,
  or moved although pinned (Job, PDB with no room); must be 0
- `large_job_fit`: share of plans after which an 8-GPU job fits on some node
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from opsgraph.evals.base import EvalReport, Metric

SUITE = "gpu"
DEV_SEEDS = tuple(range(0, 20))
TEST_SEEDS = tuple(range(1000, 1040))
VARIANTS: tuple[dict[str, Any], ...] = (
    {"nodes_opt": 6},
    {"nodes_opt": 4, "pools": 2},
    {"nodes_opt": 6, "jobs": True},
    {"nodes_opt": 6, "pdb": True},
)
LOWER_IS_BETTER = ("gap_to_optimum", "gap_to_bound")
MARGIN = 0.02


def evaluate(seed: int, variant: dict[str, Any]) -> dict[str, Any]:
    from opsgraph.evals.gpu.scenarios import GPUS, planted
    from opsgraph.tools.gpu.constraints import label_blocker
    from opsgraph.tools.gpu.packing import EPS, Packing
    from opsgraph.tools.gpu.plan import make_plan
    from opsgraph.tools.gpu.settings import GpuSettings
    from opsgraph.tools.gpu.snapshot import from_objects

    scenario = planted(seed, **variant)
    snapshot = from_objects(scenario.objects)
    plan = make_plan(snapshot, None, GpuSettings(), ["free_nodes", "defragment"])
    books = Packing.build(snapshot, (p.key for p in snapshot.pods))
    used_before = len(books.used_nodes())
    violations = 0
    for action in plan.actions:
        if action.kind != "move":
            continue
        key, to = action.target, books.index[action.params["to"]]
        violations += key in scenario.pinned
        violations += bool(label_blocker(books.pods[key], books.nodes[to]))
        books.move(key, to)
    for i in range(len(books.nodes)):
        violations += any(books.used[i][d] > books.alloc[i][d] + EPS for d in range(len(books.dims)))
    large = sum(1 for i in range(len(books.nodes)) if books.free_gpus(i) >= GPUS - EPS)
    row: dict[str, Any] = {
        "scenario": scenario.name, "seed": seed, "nodes_before": used_before, "nodes_after": plan.nodes_used_after,
        "lower_bound": plan.nodes_needed_lower_bound, "optimum": scenario.optimum_nodes, "violations": violations,
        "large_job_fit": large >= 1, "solver": plan.solver.get("name"), "solver_status": plan.solver.get("status"),
        "planning_ms": round(plan.planning_ms, 1), "gpus_freed": plan.gpus_freed,
    }  # fmt: skip
    row["gap_to_bound"] = (plan.nodes_used_after - plan.nodes_needed_lower_bound) / plan.nodes_needed_lower_bound
    if scenario.optimum_nodes > 0:
        row["gap_to_optimum"] = (plan.nodes_used_after - scenario.optimum_nodes) / scenario.optimum_nodes
        possible = (scenario.gpu_nodes - scenario.optimum_nodes) * GPUS
        row["gpus_freed_vs_possible"] = plan.gpus_freed / possible
    return row


def measure(seeds: tuple[int, ...]) -> tuple[dict[str, float], dict[str, float], list[dict[str, Any]]]:
    """(mean metrics, worst seed's metrics, rows) over every variant of every seed."""
    rows = [evaluate(seed, variant) for seed in seeds for variant in VARIANTS]
    means: dict[str, float] = {}
    worst: dict[str, float] = {}
    for name in ("gap_to_optimum", "gap_to_bound", "gpus_freed_vs_possible"):
        values = [float(r[name]) for r in rows if name in r]
        means[name] = statistics.fmean(values)
        worst[name] = max(values) if name in LOWER_IS_BETTER else min(values)
    means["violations"] = worst["violations"] = float(sum(r["violations"] for r in rows))
    means["large_job_fit"] = statistics.fmean(float(r["large_job_fit"]) for r in rows)
    worst["large_job_fit"] = means["large_job_fit"]
    return means, worst, rows


def dev_thresholds() -> dict[str, float]:
    """Thresholds chosen on DEV_SEEDS only: the dev mean with a 0.02 margin, rounded outwards;
    violations are 0 by definition."""
    means, _, _ = measure(DEV_SEEDS)
    out: dict[str, float] = {"violations": 0.0}
    for name in LOWER_IS_BETTER:
        out[f"{name}_mean"] = math.ceil((means[name] + MARGIN) * 100) / 100
    out["gpus_freed_vs_possible_mean"] = math.floor((means["gpus_freed_vs_possible"] - MARGIN) * 100) / 100
    out["large_job_fit"] = math.floor((means["large_job_fit"] - MARGIN) * 100) / 100
    return out


def run(data_dir: Path | None = None) -> EvalReport:
    chosen = dev_thresholds()
    means, worst, rows = measure(TEST_SEEDS)
    metrics = [
        Metric(name="gap_to_optimum_mean", value=round(means["gap_to_optimum"], 4),
               threshold=chosen["gap_to_optimum_mean"], higher_is_better=False),
        Metric(name="gap_to_optimum_max", value=round(worst["gap_to_optimum"], 4), higher_is_better=False),
        Metric(name="gap_to_bound_mean", value=round(means["gap_to_bound"], 4),
               threshold=chosen["gap_to_bound_mean"], higher_is_better=False),
        Metric(name="gpus_freed_vs_possible_mean", value=round(means["gpus_freed_vs_possible"], 4),
               threshold=chosen["gpus_freed_vs_possible_mean"]),
        Metric(name="violations", value=means["violations"], threshold=0.0, higher_is_better=False),
        Metric(name="large_job_fit", value=round(means["large_job_fit"], 4), threshold=chosen["large_job_fit"]),
    ]  # fmt: skip
    details = {
        "split": {"dev_seeds": [DEV_SEEDS[0], DEV_SEEDS[-1]], "test_seeds": [TEST_SEEDS[0], TEST_SEEDS[-1]],
                  "reported_on": "test", "thresholds_chosen_on": "dev"},
        "dev_thresholds": chosen,
        "scenarios": len(rows),
        "solvers": {s: sum(1 for r in rows if r["solver_status"] == s) for s in {r["solver_status"] for r in rows}},
        "planning_ms_max": max(r["planning_ms"] for r in rows),
        "misses": [r for r in rows if r.get("gap_to_optimum", 0) > 0 or r["violations"]][:10],
    }  # fmt: skip
    return EvalReport(suite=SUITE, metrics=metrics, details=details)
