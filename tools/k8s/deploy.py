"""k8s_deploy: roll out a new image or tag, then follow the rollout until done or timed out."""

from __future__ import annotations

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import InvalidInput
from opsgraph.tools.k8s._rollout import FOLLOW_ACCESS, wait_for_rollout
from opsgraph.tools.k8s._views import CHANGE_CAUSE, DeploymentView
from opsgraph.tools.k8s._workloads import FIND_ACCESS, get_deployment, render_diff
from opsgraph.tools.k8s.args import DeployArgs
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult


def resolve_image(current: str, requested: str) -> str:
    """A bare tag ("1.15.0", "v2") keeps the current repository; anything with a / or : is an image."""
    if "/" in requested or ":" in requested or "@" in requested:
        return requested
    repository = current.split("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    return f"{repository}:{requested}"


def _plan(args: DeployArgs, ctx: ToolContext) -> tuple[DeploymentView, str, str, str]:
    _, view = get_deployment(ctx, args.namespace, args.name)
    if args.container:
        if args.container not in view.images:
            raise InvalidInput(
                f"{args.namespace}/{args.name} has no container {args.container!r}",
                hint=f"containers: {', '.join(view.images)}",
            )
        container = args.container
    elif len(view.images) == 1:
        container = next(iter(view.images))
    else:
        raise InvalidInput(
            f"{args.namespace}/{args.name} has several containers; say which one",
            hint=f"containers: {', '.join(view.images)}",
        )
    old = view.images[container]
    return view, container, old, resolve_image(old, args.requested)


def _patch(container: str, image: str, cause: str) -> dict[str, object]:
    return {
        "metadata": {"annotations": {CHANGE_CAUSE: cause}},
        "spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}},
    }


def _dry_run(args: DeployArgs, ctx: ToolContext) -> DryRun:
    view, container, old, new = _plan(args, ctx)
    if old != new:
        # Server-side dry run: the API validates the change (admission, schema) without applying it.
        ctx.cluster.patch_deployment(args.namespace, args.name, _patch(container, new, "dry-run"), dry_run=True)
    diff = render_diff(
        f"deployment {args.namespace}/{args.name} (container {container})",
        [("image", old, new)] if old != new else [],
        note=f"new revision after {view.revision}; {view.desired} pods replaced by a rolling update"
        if old != new
        else "already running this image: nothing to do",
    )
    return DryRun(diff=diff, changes=old != new, data={"container": container, "from": old, "to": new})


@REGISTRY.tool(
    "k8s_deploy",
    args=DeployArgs,
    risk="write",
    description="Deploy a new image (or tag) to a deployment and watch the rollout until it completes or times out.",
    dry_run=_dry_run,
    examples=("deploy checkout 1.15.0 to prod", "roll out payments:2.3.1 in staging"),
    kube_access=(*FIND_ACCESS, *FOLLOW_ACCESS, KubeAccess("apps", "deployments", ("patch",))),
)
def k8s_deploy(args: DeployArgs, ctx: ToolContext) -> ToolResult:
    _view, container, old, new = _plan(args, ctx)
    if old == new:
        return results.ok(
            "k8s_deploy",
            f"{args.namespace}/{args.name} already runs {new}; nothing changed",
            {"image": new, "changed": False},
        )
    cause = f"opsgraph: {ctx.actor} deployed {new}"
    ctx.cluster.patch_deployment(args.namespace, args.name, _patch(container, new, cause), dry_run=False)
    final = wait_for_rollout(ctx, args.namespace, args.name, ctx.settings.rollout_timeout_s)
    return results.ok(
        "k8s_deploy",
        f"deployed {new} to {args.namespace}/{args.name}: revision {final.revision}, {final.progress_line()}",
        {"image": new, "previous_image": old, "revision": final.revision, "changed": True},
    )
