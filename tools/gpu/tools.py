"""The GPU tools: `gpu_status` (read), `gpu_rebalance_plan` (read), `gpu_rebalance_apply`
(destructive: drains nodes; the policy asks two people)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.gpu._client import APPLY_ACCESS, OBSERVE_ACCESS
from opsgraph.tools.gpu.metrics import Utilisation
from opsgraph.tools.gpu.model import Snapshot
from opsgraph.tools.gpu.settings import OBJECTIVES, GpuSettings, Objective
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult


class GpuStatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    large_job_gpus: int | None = Field(None, ge=1, le=64, description="size of the job to check room for (GPUs)")


class GpuPlanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    objectives: list[Objective] | None = Field(
        None, description=f"objectives in order, from {', '.join(OBJECTIVES)} (default: all, in that order)"
    )
    large_job_gpus: int | None = Field(None, ge=1, le=64, description="size of job `defragment` makes room for")

    @field_validator("objectives")
    @classmethod
    def _distinct(cls, value: list[Objective] | None) -> list[Objective] | None:
        if value is not None and (not value or len(set(value)) != len(value)):
            raise ValueError("give each objective at most once, and at least one")
        return value


class GpuApplyArgs(GpuPlanArgs):
    objectives: list[Objective] | None = Field(
        None,
        description="objectives in order (default: the plan's, all of them: free nodes, defragment, MIG and "
        "time-slicing conversions, scale to zero)",
    )


def gpu_settings(ctx: ToolContext, large_job_gpus: int | None = None) -> GpuSettings:
    settings = ctx.extras.get("gpu_settings")
    if not isinstance(settings, GpuSettings):
        settings = GpuSettings()
        ctx.extras["gpu_settings"] = settings
    if large_job_gpus is not None:
        settings = settings.model_copy(update={"large_job_gpus": large_job_gpus})
    return settings


def _observe(ctx: ToolContext, settings: GpuSettings) -> tuple[Snapshot, Utilisation]:
    from opsgraph.tools.gpu.sources import read_cluster, read_usage

    snapshot = read_cluster(ctx.cluster)
    return snapshot, read_usage(ctx.settings, settings, ctx.cluster)


@REGISTRY.tool(
    "gpu_status",
    args=GpuStatusArgs,
    risk="read",
    description=(
        "GPU nodes and where GPU money goes: allocated vs used GPUs per node (DCGM utilisation), memory, "
        "idle and fragmented GPUs, cost per hour per node and workload, and whether a large job (8 GPUs "
        "on one node by default) fits."
    ),
    examples=("where is GPU money going?", "can a new 8-GPU training job fit?"),
    kube_access=OBSERVE_ACCESS,
)
def gpu_status(args: GpuStatusArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.gpu.report import gpu_status as build
    from opsgraph.tools.gpu.report import render_status

    settings = gpu_settings(ctx, args.large_job_gpus)
    snapshot, usage = _observe(ctx, settings)
    if not snapshot.gpu_nodes:
        return results.no_data("gpu_status", "The cluster has no GPU nodes.")
    status = build(snapshot, usage, settings)
    return results.ok("gpu_status", render_status(status), status.to_json())


def _plan(args: GpuPlanArgs, ctx: ToolContext, default: list[Objective] | None = None) -> Any:
    from opsgraph.tools.gpu.plan import make_plan

    settings = gpu_settings(ctx, args.large_job_gpus)
    snapshot, usage = _observe(ctx, settings)
    return make_plan(snapshot, usage, settings, args.objectives or default)


@REGISTRY.tool(
    "gpu_rebalance_plan",
    args=GpuPlanArgs,
    risk="read",
    description=(
        "Plan a GPU packing: free whole nodes, gather free GPUs for large jobs, share time-sliced GPUs among "
        "low-utilisation pods, scale idle workloads to zero. Reports ordered actions, GPUs/nodes/$ per hour "
        "freed and a lower bound on the nodes needed. Changes nothing."
    ),
    examples=("rebalance the GPUs", "how many GPU nodes could we free?"),
    kube_access=OBSERVE_ACCESS,
)
def gpu_rebalance_plan(args: GpuPlanArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.gpu.plan import render_plan

    plan = _plan(args, ctx)
    return results.ok("gpu_rebalance_plan", render_plan(plan), plan.details())


def _apply_dry_run(args: GpuApplyArgs, ctx: ToolContext) -> DryRun:
    from opsgraph.tools.gpu.applying import describe, resolve

    pinned = resolve(args, ctx, lambda: _plan(args, ctx))
    diff, changes = describe(pinned)
    return DryRun(diff=diff, changes=changes, data={**pinned.plan, "plan_id": pinned.plan_id,
                                                     "resumes": pinned.resumes})  # fmt: skip


def _apply_landed(args: GpuApplyArgs, ctx: ToolContext, since: float) -> bool | None:
    from opsgraph.tools.gpu.applying import landed

    return landed(args, ctx, since)


@REGISTRY.tool(
    "gpu_rebalance_apply",
    args=GpuApplyArgs,
    risk="destructive",
    description=(
        "Apply the GPU rebalancing plan: cordon the nodes it empties, evict pods (disruption budgets "
        "enforced) so their controllers recreate them elsewhere, convert nodes to MIG slices or time-sliced GPUs "
        "(drain, GPU operator label, device-plugin config) and move light inference Deployments onto them, scale "
        "idle workloads to zero; journals and verifies each step, resumes after a crash, stops at the first "
        "failure and says how to undo. Needs approval."
    ),
    dry_run=_apply_dry_run,
    examples=("apply the GPU rebalancing plan",),
    landed=_apply_landed,
    kube_access=(*OBSERVE_ACCESS, *APPLY_ACCESS),
)
def gpu_rebalance_apply(args: GpuApplyArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.gpu.applying import approved, execute

    pinned = approved(args, ctx, lambda: _plan(args, ctx))
    report = execute(pinned, ctx, gpu_settings(ctx))
    data = {"plan": pinned.plan, "plan_id": pinned.plan_id, **report.to_json()}
    if report.failed:
        undo = "; ".join(reversed(report.undo)) or None
        return results.error("gpu_rebalance_apply", "failed", report.render(), hint=undo)
    return results.ok("gpu_rebalance_apply", report.render(), data)
