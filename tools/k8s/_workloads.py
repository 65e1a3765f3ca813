"""Finding workloads the way a person names them, with errors that say what to fix."""

from __future__ import annotations

import difflib

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Forbidden, NotFound
from opsgraph.tools.k8s._client import Obj
from opsgraph.tools.k8s._views import DeploymentView, PodView, ReplicaSetView

# What finding a deployment by name, and explaining a wrong name, asks the API for.
FIND_ACCESS = (KubeAccess("apps", "deployments", ("get", "list")), KubeAccess("", "namespaces", ("list",)))


def allowed_namespaces(ctx: ToolContext) -> list[str] | None:
    return list(ctx.settings.namespaces) or None


def check_namespace(ctx: ToolContext, namespace: str) -> None:
    allowed = allowed_namespaces(ctx)
    if allowed is not None and namespace not in allowed:
        raise Forbidden(
            f"namespace {namespace!r} is not in opsgraph's allow-list",
            hint=f"allowed: {', '.join(allowed)} (OPSGRAPH_NAMESPACES)",
        )


def visible_namespaces(ctx: ToolContext) -> list[str]:
    names = sorted(ns["metadata"]["name"] for ns in ctx.cluster.namespaces())
    allowed = allowed_namespaces(ctx)
    return [n for n in names if allowed is None or n in allowed]


def get_deployment(ctx: ToolContext, namespace: str, name: str) -> tuple[Obj, DeploymentView]:
    check_namespace(ctx, namespace)
    try:
        obj = ctx.cluster.deployment(namespace, name)
    except NotFound:
        raise _explain_missing(ctx, namespace, name) from None
    return obj, DeploymentView.of(obj)


def _explain_missing(ctx: ToolContext, namespace: str, name: str) -> NotFound:
    namespaces = visible_namespaces(ctx)
    if namespace not in namespaces:
        close = difflib.get_close_matches(namespace, namespaces, n=1)
        hint = f"did you mean {close[0]}?" if close else f"namespaces: {', '.join(namespaces)}"
        return NotFound(f"namespace {namespace!r} does not exist", hint=hint)
    names = sorted(d["metadata"]["name"] for d in ctx.cluster.deployments(namespace))
    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    if close:
        hint = f"did you mean {' or '.join(close)}?"
    else:
        hint = f"deployments in {namespace}: {', '.join(names) or '(none)'}"
    return NotFound(f"deployment {name!r} not found in namespace {namespace}", hint=hint)


def owned_replicasets(ctx: ToolContext, view: DeploymentView) -> list[ReplicaSetView]:
    """The deployment's ReplicaSets, newest revision first (how kubectl finds rollout history)."""
    sets = [ReplicaSetView.of(rs) for rs in ctx.cluster.replicasets(view.namespace, view.selector)]
    owned = [rs for rs in sets if rs.owner_uid == view.uid]
    return sorted(owned, key=lambda rs: rs.revision, reverse=True)


def workload_pods(ctx: ToolContext, view: DeploymentView) -> list[PodView]:
    pods = [PodView.of(p) for p in ctx.cluster.pods(view.namespace, view.selector)]
    return sorted(pods, key=lambda p: p.name)


def render_diff(target: str, changes: list[tuple[str, object, object]], note: str = "") -> str:
    """A short diff a person can approve at a glance."""
    lines = [target]
    lines += [f"  {field}: {old} -> {new}" for field, old, new in changes]
    if note:
        lines.append(f"  {note}")
    return "\n".join(lines)
