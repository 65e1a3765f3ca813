"""The model tools: status, drift check, promotion (gated), rollback, retraining."""

from __future__ import annotations

from typing import Any

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Conflict, Failed
from opsgraph.tools.models.args import (
    DriftCheckArgs,
    ModelPromoteArgs,
    ModelRetrainArgs,
    ModelRollbackArgs,
    ModelStatusArgs,
)
from opsgraph.tools.models.context import models_settings, store
from opsgraph.tools.models.views import drift_text, status_text
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult


@REGISTRY.tool(
    "model_status",
    args=ModelStatusArgs,
    risk="read",
    description="Registered ML models: versions, aliases (champion, challenger), accuracy, the hash of the data "
    "each version was trained on, and the recent alias moves. Without `model`, lists every model.",
    examples=("model status", "status of the fraud-detector model"),
)
def model_status(args: ModelStatusArgs, ctx: ToolContext) -> ToolResult:
    registry = store(ctx)
    if args.model is None:
        names = registry.names()
        if not names:
            return results.no_data(
                "model_status", "The model registry is empty (`opsgraph models demo` seeds examples)."
            )
        models: list[dict[str, Any]] = [{"model": n, "aliases": registry.aliases(n)} for n in names]
        lines = [f"{len(names)} registered model{'s' if len(names) > 1 else ''}:"]
        for m in models:
            pointers = ", ".join(f"{a}=v{v}" for a, v in sorted(m["aliases"].items()))
            lines.append(f"  {m['model']}: {pointers or 'no aliases'}")
        return results.ok("model_status", "\n".join(lines), {"models": models})
    versions = registry.versions(args.model)
    history = registry.history(args.model)
    data = {
        "model": args.model,
        "aliases": registry.aliases(args.model),
        "versions": [
            {
                "version": v.version,
                "aliases": list(v.aliases),
                "metrics": v.metrics,
                "params": v.params,
                "reference_sha256": v.reference_sha256,
                "training_key": v.tags.get("opsgraph.training_key"),
                "run_id": v.run_id,
            }
            for v in versions
        ],
        "alias_history": history,
        "current_data": registry.current_data(args.model),
    }
    return results.ok("model_status", status_text(args.model, versions, history), data)


@REGISTRY.tool(
    "drift_check",
    args=DriftCheckArgs,
    risk="read",
    description="Data checks and drift of current data against a model's training data (or a reference file): "
    "per-column method, score, threshold and verdict, dataset drift and the drifted share. Writes an HTML "
    "report and logs it to MLflow.",
    examples=("check drift on the fraud-detector model", "is fraud-detector still ok?"),
)
def drift_check(args: DriftCheckArgs, ctx: ToolContext) -> ToolResult:
    from pathlib import Path

    from opsgraph.tools.models.drift_run import check_files, check_model

    settings = models_settings(ctx)
    if args.reference is not None:
        assert args.current is not None  # the args model guarantees it
        done = check_files(Path(args.reference), Path(args.current), settings)
    else:
        assert args.model is not None
        done = check_model(
            store(ctx), args.model, settings, version=args.version,
            current=Path(args.current) if args.current else None,
            report_dir=ctx.settings.state_dir / "models" / "reports",
        )  # fmt: skip
    return results.ok("drift_check", drift_text(done), done.to_json())


# -- promote ----------------------------------------------------------------------------------
def _promote_preview(args: ModelPromoteArgs, ctx: ToolContext) -> DryRun:
    from opsgraph.tools.models.promotion import evaluate_gate

    registry = store(ctx)
    registry.version(args.model, args.version)  # NotFound for an unknown model or version
    current = registry.alias_version(args.model, args.alias)
    head = f"{args.model}@{args.alias}: " + (f"v{current}" if current else "(unset)") + f" -> v{args.version}"
    data: dict[str, Any] = {"model": args.model, "alias": args.alias, "from": current, "to": args.version}
    if current == args.version:
        return DryRun(f"{args.model}@{args.alias} already points to version {args.version}; nothing to change",
                      changes=False, data=data)  # fmt: skip
    lines = [head]
    if args.alias == "champion" and current is not None:
        gate = evaluate_gate(registry, models_settings(ctx), args.model, args.version, current)
        data["gate"] = gate.to_json()
        lines += [f"validation against champion v{current}:", gate.table()]
        if not gate.passed:
            if not args.override:
                raise Conflict(
                    f"version {args.version} of {args.model} fails the promotion gate: " + "; ".join(gate.reasons()),
                    hint="to promote anyway, ask for an override with a reason (policy may restrict who approves)",
                )
            lines.append(f"OVERRIDE: promoting despite the failed gate; reason: {args.reason}")
            data["override"] = True
    elif args.alias == "champion":
        lines.append("no current champion: nothing to validate against")
    return DryRun("\n".join(lines), data=data)


@REGISTRY.tool(
    "model_promote",
    args=ModelPromoteArgs,
    risk="write",
    description="Point an alias (champion or challenger) at a model version. Promotion to champion is gated: the "
    "candidate must beat the current champion on held-out data (accuracy gain and McNemar's test); an override "
    "needs a reason and is audited.",
    dry_run=_promote_preview,
    examples=("promote version 2 of fraud-detector", "make v3 the challenger of churn-model"),
)
def model_promote(args: ModelPromoteArgs, ctx: ToolContext) -> ToolResult:
    registry = store(ctx)
    before = registry.alias_version(args.model, args.alias)
    if before == args.version:
        return results.ok("model_promote", f"{args.model}@{args.alias} already points to version {args.version}.",
                          {"model": args.model, "alias": args.alias, "from": before, "to": args.version})  # fmt: skip
    note = f"override: {args.reason}" if args.override else (args.reason or "")
    entry = registry.set_alias(args.model, args.alias, args.version, actor=ctx.actor,
                               kind="override" if args.override else "promote", note=note)  # fmt: skip
    was = f"v{before}" if before else "unset"
    text = f"{args.model}@{args.alias} now points to version {args.version} (was {was})."
    return results.ok("model_promote", text, entry)


# -- rollback ---------------------------------------------------------------------------------
def _rollback_preview(args: ModelRollbackArgs, ctx: ToolContext) -> DryRun:
    from opsgraph.tools.models.promotion import rollback_target

    registry = store(ctx)
    plan = rollback_target(registry, args.model, args.version)
    data = {"model": args.model, "from": plan.current, "to": plan.target, "because": plan.because}
    if plan.target is None:
        return DryRun(f"{args.model}: nothing to roll back to ({plan.because})", changes=False, data=data)
    registry.version(args.model, plan.target)
    if plan.target == plan.current:
        return DryRun(f"{args.model}@champion already points to version {plan.target}; nothing to change",
                      changes=False, data=data)  # fmt: skip
    return DryRun(f"{args.model}@champion: v{plan.current} -> v{plan.target} ({plan.because})", data=data)


@REGISTRY.tool(
    "model_rollback",
    args=ModelRollbackArgs,
    risk="write",
    description="Move a model's champion alias back to the version it pointed to before (or to `version`). The "
    "alias history keeps every move.",
    dry_run=_rollback_preview,
    examples=("roll back the fraud model", "roll back fraud-detector to version 1"),
)
def model_rollback(args: ModelRollbackArgs, ctx: ToolContext) -> ToolResult:
    preview = _rollback_preview(args, ctx)
    data = dict(preview.data)
    if not preview.changes:
        return results.ok("model_rollback", preview.diff.replace(f"{args.model}: ", "", 1).capitalize() + ".", data)
    entry = store(ctx).set_alias(args.model, "champion", data["to"], actor=ctx.actor, kind="rollback",
                                 note=data["because"])  # fmt: skip
    return results.ok("model_rollback", f"{args.model}@champion is back on version {data['to']} "
                      f"(was {data['from']}).", entry)  # fmt: skip


# -- retrain ----------------------------------------------------------------------------------
def _retrain_preview(args: ModelRetrainArgs, ctx: ToolContext) -> DryRun:
    from dataclasses import asdict

    from opsgraph.tools.models.retrain import job_exists, plan_retrain

    plan = plan_retrain(store(ctx), models_settings(ctx), args.model, args.version, args.data)
    data = asdict(plan)
    if plan.existing is not None:
        return DryRun(plan.diff(), changes=False, data=data)
    if plan.mode == "job" and job_exists(ctx.cluster, plan):
        return DryRun(plan.diff() + f"\n  nothing to do: Job {plan.namespace}/{plan.job_name} exists already",
                      changes=False, data=data)  # fmt: skip
    return DryRun(plan.diff(), data=data)


@REGISTRY.tool(
    "model_retrain",
    args=ModelRetrainArgs,
    risk="write",
    description="Retrain a model with the parameters of one of its versions (default: the champion) on labelled "
    "data (default: the configured training data), by the configured command or as a Kubernetes Job. The new "
    "version becomes the challenger.",
    dry_run=_retrain_preview,
    examples=("retrain fraud-detector", "retrain churn-model on /data/churn-may.csv"),
    # retrain_mode=job: retrain.job_exists and retrain.create_job
    kube_access=(KubeAccess("batch", "jobs", ("get", "create")),),
)
def model_retrain(args: ModelRetrainArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.models.retrain import create_job, job_exists, plan_retrain, run_command

    settings = models_settings(ctx)
    plan = plan_retrain(store(ctx), settings, args.model, args.version, args.data)
    if plan.existing is not None:
        return results.ok("model_retrain", f"Nothing to do: {args.model} version {plan.existing} was already "
                          "trained from this data with these parameters.", {"version": plan.existing})  # fmt: skip
    if plan.mode == "job":
        if job_exists(ctx.cluster, plan):
            return results.ok("model_retrain", f"Job {plan.namespace}/{plan.job_name} exists already.",
                              {"job": plan.job_name})  # fmt: skip
        created = create_job(ctx.cluster, plan, settings)
        return results.ok("model_retrain", f"Started Job {plan.namespace}/{plan.job_name} to retrain {args.model} "
                          f"from version {plan.version}.", created)  # fmt: skip
    outcome = run_command(plan, settings.retrain_timeout_s)
    version = outcome.get("version")
    if version is None:
        raise Failed("the training command finished without naming the version it registered")
    accuracy = outcome.get("accuracy")
    score = f" (held-out accuracy {accuracy:.4f})" if isinstance(accuracy, float) else ""
    return results.ok("model_retrain", f"Retrained {args.model}: version {version} is the challenger{score}. "
                      f"Promote it with 'promote version {version} of {args.model}' (gated).", outcome)  # fmt: skip
