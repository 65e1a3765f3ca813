"""k8s_restart: a rolling restart, as `kubectl rollout restart` does it (a template annotation)."""

from __future__ import annotations

from datetime import UTC, datetime

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._rollout import FOLLOW_ACCESS, wait_for_rollout
from opsgraph.tools.k8s._views import RESTARTED_AT
from opsgraph.tools.k8s._workloads import FIND_ACCESS, get_deployment, render_diff
from opsgraph.tools.k8s.args import RestartArgs
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult


def _patch(stamp: str) -> dict[str, object]:
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}


def _dry_run(args: RestartArgs, ctx: ToolContext) -> DryRun:
    _, view = get_deployment(ctx, args.namespace, args.name)
    ctx.cluster.patch_deployment(args.namespace, args.name, _patch("dry-run"), dry_run=True)
    # No timestamp in the diff: the approval must stay valid for the same restart.
    diff = render_diff(
        f"deployment {args.namespace}/{args.name}",
        [("pods", f"{view.ready}/{view.desired} ready", "replaced one by one (rolling restart)")],
        note=f"image unchanged: {view.image_summary}",
    )
    return DryRun(diff=diff, data={"replicas": view.desired})


def _landed(args: RestartArgs, ctx: ToolContext, since: float) -> bool:
    """A restart landed if the template carries a restart stamp from `since` or later."""
    obj, _ = get_deployment(ctx, args.namespace, args.name)
    template = (obj.get("spec") or {}).get("template") or {}
    stamp = ((template.get("metadata") or {}).get("annotations") or {}).get(RESTARTED_AT)
    try:
        at = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return False
    return at >= int(since)  # the stamp has whole seconds


@REGISTRY.tool(
    "k8s_restart",
    args=RestartArgs,
    risk="write",
    description="Rolling restart of a deployment's pods (same image and config), then watch it finish.",
    dry_run=_dry_run,
    examples=("restart checkout in prod", "bounce the cart pods"),
    landed=_landed,
    kube_access=(*FIND_ACCESS, *FOLLOW_ACCESS, KubeAccess("apps", "deployments", ("patch",))),
)
def k8s_restart(args: RestartArgs, ctx: ToolContext) -> ToolResult:
    get_deployment(ctx, args.namespace, args.name)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ctx.cluster.patch_deployment(args.namespace, args.name, _patch(stamp), dry_run=False)
    final = wait_for_rollout(ctx, args.namespace, args.name, ctx.settings.rollout_timeout_s)
    return results.ok(
        "k8s_restart",
        f"restarted {args.namespace}/{args.name}: revision {final.revision}, {final.progress_line()}",
        {"restarted_at": stamp, "revision": final.revision},
    )
