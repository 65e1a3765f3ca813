"""k8s_scale: set a deployment's replica count through the scale subresource."""

from __future__ import annotations

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._workloads import FIND_ACCESS, get_deployment, render_diff
from opsgraph.tools.k8s.args import ScaleArgs
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult


def _dry_run(args: ScaleArgs, ctx: ToolContext) -> DryRun:
    _, view = get_deployment(ctx, args.namespace, args.name)
    changes = view.desired != args.replicas
    if changes:
        ctx.cluster.scale_deployment(args.namespace, args.name, args.replicas, dry_run=True)
    note = "" if changes else f"already at {args.replicas} replicas: nothing to do"
    if args.replicas == 0:
        note = "scales to zero: the workload stops serving"
    diff = render_diff(
        f"deployment {args.namespace}/{args.name}",
        [("replicas", view.desired, args.replicas)] if changes else [],
        note=note,
    )
    return DryRun(diff=diff, changes=changes, data={"from": view.desired, "to": args.replicas})


@REGISTRY.tool(
    "k8s_scale",
    args=ScaleArgs,
    risk="write",
    description="Scale a deployment to a number of replicas.",
    dry_run=_dry_run,
    examples=("scale checkout in prod to 5", "add replicas to cart"),
    kube_access=(*FIND_ACCESS, KubeAccess("apps", "deployments/scale", ("patch",))),
)
def k8s_scale(args: ScaleArgs, ctx: ToolContext) -> ToolResult:
    _, view = get_deployment(ctx, args.namespace, args.name)
    if view.desired == args.replicas:
        return results.ok(
            "k8s_scale",
            f"{args.namespace}/{args.name} already has {args.replicas} replicas",
            {"replicas": args.replicas, "changed": False},
        )
    ctx.cluster.scale_deployment(args.namespace, args.name, args.replicas, dry_run=False)
    return results.ok(
        "k8s_scale",
        f"scaled {args.namespace}/{args.name} from {view.desired} to {args.replicas} replicas "
        f"({view.ready} ready now; pods follow within seconds)",
        {"replicas": args.replicas, "previous": view.desired, "changed": True},
    )
