"""What `gpu_rebalance_apply` runs: which plan (a crashed run's, or a fresh one, pinned), the diff
an approver sees, the journaled execution with an audit row per step, and the reconcile check.

One approval covers the whole plan: its hash binds the diff, which names the plan id and lists
every step. A run that crashed is resumed by the next apply with the same arguments within the
approval TTL (so `opsgraph approve` of the interrupted approval, whose fresh dry run shows the
same pinned plan, matches its hash and carries on where the journal stops).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgraph.tools.gpu.journal import ApplyState, digest, read_run
from opsgraph.tools.gpu.steps import Step, expand

if TYPE_CHECKING:
    from pydantic import BaseModel

    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.gpu.apply import ApplyReport
    from opsgraph.tools.gpu.plan import RebalancePlan
    from opsgraph.tools.gpu.settings import GpuSettings

log = logging.getLogger(__name__)
WRITES = ("scale_to_zero", "cordon", "drain", "sharing_config", "mig_config", "plugin_config", "taint", "retarget",
          "move")  # fmt: skip


@dataclass(frozen=True)
class Pinned:
    plan_id: str
    key: str
    plan: dict[str, Any]  # RebalancePlan.details() without its timing
    resumes: dict[str, Any] | None  # the interrupted run this continues: {"steps_done", "started_at"}

    @property
    def steps(self) -> list[Step]:
        return expand(self.plan["actions"])


def state_of(ctx: ToolContext) -> ApplyState:
    return ApplyState(Path(ctx.settings.state_dir) / "gpu" / "apply")


def args_key(args: BaseModel) -> str:
    return digest(args.model_dump(mode="json"))


def resolve(args: BaseModel, ctx: ToolContext, make: Callable[[], RebalancePlan]) -> Pinned:
    state, key = state_of(ctx), args_key(args)
    run = state.open_run(key, float(ctx.settings.approval_ttl_s))
    if run is not None:
        resumes = {"steps_done": len(run.done), "started_at": run.started_at}
        pinned = Pinned(run.plan_id, key, state.plan(run.plan_id), resumes)
        ctx.extras["gpu_apply_pinned"] = pinned
        return pinned
    document = make().details()
    document.pop("planning_ms", None)
    pinned = Pinned(state.pin(key, document), key, document, None)
    ctx.extras["gpu_apply_pinned"] = pinned
    return pinned


def approved(args: BaseModel, ctx: ToolContext, make: Callable[[], RebalancePlan]) -> Pinned:
    """The plan the registry's dry run just showed (and the approval's hash was checked against),
    for the handler that runs right after it; resolved again when called on its own."""
    cached = ctx.extras.pop("gpu_apply_pinned", None)
    if isinstance(cached, Pinned) and cached.key == args_key(args):
        return cached
    return resolve(args, ctx, make)


def describe(pinned: Pinned) -> tuple[str, bool]:
    """The diff an approver reads (stable for a pinned plan), and whether anything would change."""
    p = pinned.plan
    solver = p.get("solver") or {}
    lines = [
        f"GPU rebalancing plan {pinned.plan_id}: {p['nodes_used_before']} -> {p['nodes_used_after']} GPU nodes in use "
        f"(lower bound {p['nodes_needed_lower_bound']}"
        + (f", {solver.get('name')} {solver.get('status')}" if solver else "")
        + f"), ${p['usd_per_hour_saved']:,.2f}/h"
    ]
    lines += [f"  {i}. {a['kind']} {a['target']}: {a['detail']}" for i, a in enumerate(p["actions"], 1)]
    steps = pinned.steps
    changes = any(s.kind in WRITES for s in steps)
    if not changes:
        lines.append("  nothing to move: the packing is already as tight as the plan can make it")
    else:
        lines.append("steps (each journaled and verified; one approval covers them all):")
        lines += [f"  {i}. {s.title}" for i, s in enumerate(steps, 1)]
    return "\n".join(lines), changes


def execute(pinned: Pinned, ctx: ToolContext, settings: GpuSettings) -> ApplyReport:
    from opsgraph.tools.gpu._client import GpuApi
    from opsgraph.tools.gpu.apply import Executor

    state = state_of(ctx)
    resume = state.open_run(pinned.key, float(ctx.settings.approval_ttl_s)) if pinned.resumes else None
    approval = getattr(ctx.approvals, "begun", None)  # the write-ahead gate's approval id, when there is one
    run = state.start(pinned.plan_id, pinned.key, {"approval": approval, "actor": ctx.actor}, resume=resume)
    audit = _auditor(ctx, pinned.plan_id, approval)
    try:
        executor = Executor(
            GpuApi(ctx.cluster),
            timeout_s=settings.apply_timeout_s,
            time_slicing_configmap=settings.time_slicing_configmap,
            on_step=audit,
        )
        return executor.run(pinned.steps, run)
    finally:
        run.close()


def landed(args: BaseModel, ctx: ToolContext, since: float) -> bool | None:
    """For reconcile after a crash: True when a run with these arguments ended ok since `since`;
    False when none did (an interrupted run: a retry resumes it)."""
    state, key = state_of(ctx), args_key(args)
    for path in sorted((state.root / "runs").glob("*.jsonl")):
        run = read_run(path)
        if run is not None and run.key == key and run.started_at >= since - 1 and run.ended == "ok":
            return True
    return False


def _auditor(ctx: ToolContext, plan_id: str, approval: str | None) -> Callable[[Step, dict[str, Any]], None]:
    """One audit row per step, in the caller's audit sink (the agent passes its log: the same hash
    chain as the approval). Without one, the journal alone records every step."""
    sink = ctx.audit
    if sink is None:
        log.warning("no audit sink for GPU apply steps: the journal alone records them")
        return lambda step, result: None

    def record(step: Step, result: dict[str, Any]) -> None:
        data = {"plan": plan_id, "approval": approval, "step": step.title,
                **{k: v for k, v in result.items() if k in ("did", "undo", "failed")}}  # fmt: skip
        sink.append("gpu_apply_step", actor=ctx.actor, subject="gpu_rebalance_apply", data=data, durable=True)

    return record
