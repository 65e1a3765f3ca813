"""k8s_rollback: return a deployment to an earlier revision, the way `kubectl rollout undo` does.

kubectl finds the ReplicaSet the deployment owns for that revision, copies its pod template
(without the pod-template-hash label) back into the deployment, and lets the controller roll out;
the controller then gives that ReplicaSet the next revision number.
"""

from __future__ import annotations

import copy
from typing import Any

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import InvalidInput, NotFound
from opsgraph.tools.k8s._rollout import FOLLOW_ACCESS, wait_for_rollout
from opsgraph.tools.k8s._views import CHANGE_CAUSE, REVISION, DeploymentView, ReplicaSetView
from opsgraph.tools.k8s._workloads import FIND_ACCESS, get_deployment, owned_replicasets, render_diff
from opsgraph.tools.k8s.args import RollbackArgs
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult

POD_TEMPLATE_HASH = "pod-template-hash"


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    clean = copy.deepcopy(template)
    labels = (clean.get("metadata") or {}).get("labels") or {}
    labels.pop(POD_TEMPLATE_HASH, None)
    return clean


def _target(args: RollbackArgs, ctx: ToolContext) -> tuple[DeploymentView, dict[str, Any], ReplicaSetView]:
    obj, view = get_deployment(ctx, args.namespace, args.name)
    history = owned_replicasets(ctx, view)
    revisions = [rs.revision for rs in history]
    if args.revision is None:
        older = [rs for rs in history if rs.revision < view.revision]
        if not older:
            raise NotFound(f"{args.namespace}/{args.name} has no earlier revision to roll back to")
        return view, obj, older[0]
    for rs in history:
        if rs.revision == args.revision:
            return view, obj, rs
    raise NotFound(
        f"revision {args.revision} of {args.namespace}/{args.name} is not in its history",
        hint=f"revisions kept: {', '.join(map(str, sorted(revisions)))}",
    )


def _dry_run(args: RollbackArgs, ctx: ToolContext) -> DryRun:
    view, obj, target = _target(args, ctx)
    template = _without_hash(target.template)
    same = template == (obj.get("spec") or {}).get("template")
    if same:
        diff = render_diff(
            f"deployment {args.namespace}/{args.name}",
            [],
            note=f"already at the template of revision {target.revision}",
        )
        return DryRun(diff=diff, changes=False, data={"revision": target.revision})
    ctx.cluster.patch_deployment(args.namespace, args.name, _patch(template, target), dry_run=True)
    changes: list[tuple[str, object, object]] = [("revision", view.revision, f"template of revision {target.revision}")]
    for container, image in target.images.items():
        old = view.images.get(container)
        if old != image:
            changes.append((f"image ({container})", old, image))
    note = f"change-cause of revision {target.revision}: {target.change_cause}" if target.change_cause else ""
    diff = render_diff(f"deployment {args.namespace}/{args.name}", changes, note=note)
    return DryRun(diff=diff, data={"from_revision": view.revision, "to_revision": target.revision})


def _patch(template: dict[str, Any], target: ReplicaSetView) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [{"op": "replace", "path": "/spec/template", "value": template}]
    if target.change_cause:
        key = CHANGE_CAUSE.replace("/", "~1")
        ops.append({"op": "add", "path": f"/metadata/annotations/{key}", "value": target.change_cause})
    return ops


@REGISTRY.tool(
    "k8s_rollback",
    args=RollbackArgs,
    risk="write",
    description="Roll a deployment back to its previous revision, or to a given revision from its history.",
    dry_run=_dry_run,
    examples=("roll back checkout in prod", "rollback payments to revision 3"),
    kube_access=(*FIND_ACCESS, *FOLLOW_ACCESS, KubeAccess("apps", "deployments", ("patch",))),
)
def k8s_rollback(args: RollbackArgs, ctx: ToolContext) -> ToolResult:
    _view, obj, target = _target(args, ctx)
    template = _without_hash(target.template)
    if template == (obj.get("spec") or {}).get("template"):
        raise InvalidInput(
            f"{args.namespace}/{args.name} already runs the template of revision {target.revision}",
            hint="pick another revision from k8s_status",
        )
    ctx.cluster.patch_deployment(args.namespace, args.name, _patch(template, target), dry_run=False)
    final = wait_for_rollout(ctx, args.namespace, args.name, ctx.settings.rollout_timeout_s)
    return results.ok(
        "k8s_rollback",
        f"rolled back {args.namespace}/{args.name} to the template of revision {target.revision} "
        f"(now revision {final.revision}, {', '.join(target.images.values())}); {final.progress_line()}",
        {
            "to_revision": target.revision,
            "new_revision": final.revision,
            "images": target.images,
            "revision_annotation": REVISION,
        },
    )
