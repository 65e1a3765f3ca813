"""k8s_status: a namespace overview, or one workload in detail."""

from __future__ import annotations

from typing import Any

from opsgraph.core.kube_access import KubeAccess
from opsgraph.core.views import TableView
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import ToolError
from opsgraph.tools.k8s._views import (
    RESTARTED_AT,
    DeploymentView,
    EventView,
    PodView,
    ReplicaSetView,
    autoscaler_of,
    node_readiness,
    pod_detail,
)
from opsgraph.tools.k8s._workloads import (
    FIND_ACCESS,
    check_namespace,
    get_deployment,
    owned_replicasets,
    visible_namespaces,
)
from opsgraph.tools.k8s.args import StatusArgs
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

RECENT_EVENTS = 8


@REGISTRY.tool(
    "k8s_status",
    args=StatusArgs,
    risk="read",
    description=(
        "Show Kubernetes workloads: an overview of a namespace (replicas, ready, image, revision) "
        "or one deployment in detail (pods, rollout history, recent events)."
    ),
    examples=("status of checkout in prod", "what's running in staging", "is payments healthy?"),
    kube_access=(
        *FIND_ACCESS,
        KubeAccess("apps", "replicasets", ("list",)),
        KubeAccess("", "pods", ("list",)),
        KubeAccess("", "events", ("list",)),
        KubeAccess("", "nodes", ("list",)),
        KubeAccess("autoscaling", "horizontalpodautoscalers", ("list",)),
    ),
)
def k8s_status(args: StatusArgs, ctx: ToolContext) -> ToolResult:
    if args.name:
        if not args.namespace:
            from opsgraph.tools.errors import InvalidInput

            raise InvalidInput("a deployment name needs its namespace", hint="add namespace, e.g. prod")
        return _workload_detail(ctx, args.namespace, args.name)
    namespaces = [args.namespace] if args.namespace else visible_namespaces(ctx)
    for ns in namespaces:
        check_namespace(ctx, ns)
    return _overview(ctx, namespaces)


def _overview(ctx: ToolContext, namespaces: list[str]) -> ToolResult:
    rows: list[dict[str, Any]] = []
    for ns in namespaces:
        newest = _newest_replicasets(ctx, ns)
        for obj in ctx.cluster.deployments(ns):
            view = DeploymentView.of(obj)
            latest = newest.get(view.uid)
            rows.append(
                {
                    "namespace": ns,
                    "name": view.name,
                    "desired": view.desired,
                    "ready": view.ready,
                    "image": view.image_summary,
                    "revision": view.revision,
                    "rollout": view.rollout_state(),
                    "last_rollout": latest.created if latest else "",
                    "change_cause": latest.change_cause if latest else "",
                    "restarted_at": _restarted_at(obj),
                }
            )
    if not rows:
        return results.no_data("k8s_status", f"no deployments in {', '.join(namespaces)}", {"deployments": []})
    unhealthy = [r for r in rows if r["ready"] < r["desired"] or r["rollout"] != "complete"]
    lines = [f"{len(rows)} deployments in {', '.join(namespaces)}; {len(unhealthy)} not fully ready"]
    lines += [
        f"  {r['namespace']}/{r['name']}: {r['ready']}/{r['desired']} ready, {r['image']} (rev {r['revision']})"
        for r in rows
    ]
    table = TableView(
        title=f"deployments in {', '.join(namespaces)}",
        columns=("namespace", "deployment", "ready", "image", "rev", "rollout"),
        rows=tuple(
            (r["namespace"], r["name"], f"{r['ready']}/{r['desired']}", r["image"].rsplit("/", 1)[-1],
             str(r["revision"]), r["rollout"])
            for r in rows
        ),
        row_status=tuple("ok" if r not in unhealthy else "warn" for r in rows),
    )  # fmt: skip
    return results.ok("k8s_status", "\n".join(lines), {"deployments": rows}, views=(table,))


def _workload_detail(ctx: ToolContext, namespace: str, name: str) -> ToolResult:
    _, view = get_deployment(ctx, namespace, name)
    history = owned_replicasets(ctx, view)
    pod_objects = {(p.get("metadata") or {}).get("name", ""): p for p in ctx.cluster.pods(namespace, view.selector)}
    pods = sorted((PodView.of(p) for p in pod_objects.values()), key=lambda p: p.name)
    events = [EventView.of(e) for e in ctx.cluster.events(namespace)]
    prefixes = (f"{name}-", name)
    related = [e for e in events if e.object.split("/", 1)[-1].startswith(prefixes)]
    related.sort(key=lambda e: (e.last_seen, e.type == "Warning"), reverse=True)
    recent = related[:RECENT_EVENTS]
    data = {
        "namespace": namespace,
        "name": name,
        "desired": view.desired,
        "ready": view.ready,
        "updated": view.updated,
        "available": view.available,
        "images": view.images,
        "revision": view.revision,
        "rollout": view.rollout_state(),
        "conditions": {k: {"status": s, "reason": r, "message": m} for k, (s, r, m) in view.conditions.items()},
        "history": [
            {
                "revision": rs.revision,
                "name": rs.name,
                "images": rs.images,
                "replicas": rs.replicas,
                "change_cause": rs.change_cause,
                "created": rs.created,
            }
            for rs in history
        ],
        "pods": [
            {"name": p.name, "state": p.state, "ready": p.ready, "restarts": p.restarts, "node": p.node}
            | pod_detail(pod_objects.get(p.name) or {})
            for p in pods
        ],
        # Nodes its pods run on, and nodes they were just evicted from (a NotReady node explains both).
        "nodes": _nodes(ctx, {p.node for p in pods if p.node}, evictions=_evicted(related)),
        "autoscaler": _autoscaler(ctx, namespace, name),
        "events": [
            {"type": e.type, "reason": e.reason, "message": e.message, "object": e.object, "count": e.count}
            for e in recent
        ],
    }
    lines = [
        f"{namespace}/{name}: {view.ready}/{view.desired} ready, revision {view.revision}, "
        f"rollout {view.rollout_state()}",
        f"  image: {view.image_summary}",
        "  history: " + ", ".join(f"rev {rs.revision} {', '.join(rs.images.values())}" for rs in history[:5]),
    ]
    lines += [f"  pod {p.name}: {p.state}, restarts {p.restarts}, node {p.node or '-'}" for p in pods]
    lines += [f"  event {e.type} {e.reason}: {e.message}" for e in recent[:4]]
    # Event messages are written by whatever runs in the cluster: those parts are untrusted.
    parts = tuple(dict.fromkeys(e.message for e in recent))
    return results.ok(
        "k8s_status", "\n".join(lines), data, untrusted_parts=parts if parts else None, views=_detail_views(data)
    )


def _newest_replicasets(ctx: ToolContext, namespace: str) -> dict[str, ReplicaSetView]:
    """Deployment uid -> its newest ReplicaSet (when and why it last rolled out)."""
    newest: dict[str, ReplicaSetView] = {}
    for obj in ctx.cluster.replicasets(namespace, ""):
        rs = ReplicaSetView.of(obj)
        if rs.owner_uid and (rs.owner_uid not in newest or rs.revision > newest[rs.owner_uid].revision):
            newest[rs.owner_uid] = rs
    return newest


def _restarted_at(obj: dict[str, Any]) -> str:
    template = (obj.get("spec") or {}).get("template") or {}
    return str(((template.get("metadata") or {}).get("annotations") or {}).get(RESTARTED_AT, ""))


EVICTION_REASONS = ("TaintManagerEviction", "NodeNotReady")


def _evicted(related: list[EventView]) -> bool:
    return any(e.reason in EVICTION_REASONS for e in related)


def _nodes(ctx: ToolContext, names: set[str], *, evictions: bool) -> dict[str, dict[str, str]]:
    """Readiness of the nodes the pods run on (a NotReady node explains pods stuck on it) and,
    when the workload's pods were just evicted for a node going NotReady, of every NotReady node:
    the pods are gone (replaced elsewhere), the node that lost them still explains what happened."""
    if not names and not evictions:
        return {}
    try:
        nodes = {str((n.get("metadata") or {}).get("name", "")): node_readiness(n) for n in ctx.cluster.nodes()}
    except ToolError:  # nodes are cluster-scoped: a namespaced role may not list them
        return {}
    return {
        name: ready
        for name, ready in sorted(nodes.items())
        if name in names or (evictions and ready.get("status") != "True")
    }


def _autoscaler(ctx: ToolContext, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        return autoscaler_of(ctx.cluster.autoscalers(namespace), name)
    except ToolError:  # no autoscaling API here, or not allowed to read it: nothing to say
        return None


def _detail_views(data: dict[str, Any]) -> tuple[TableView, ...]:
    where = f"{data['namespace']}/{data['name']}"
    pods = TableView(
        title=f"{where}  {data['ready']}/{data['desired']} ready  rev {data['revision']}  rollout {data['rollout']}",
        columns=("pod", "state", "ready", "restarts", "node"),
        rows=tuple(
            (p["name"], p["state"], "yes" if p["ready"] else "no", str(p["restarts"]), p["node"] or "-")
            for p in data["pods"]
        ),
        row_status=tuple("ok" if p["ready"] else "bad" for p in data["pods"]),
    )
    history = TableView(
        title=f"rollout history of {where}",
        columns=("rev", "images", "replicas", "change-cause"),
        rows=tuple(
            (str(h["revision"]), ", ".join(h["images"].values()), str(h["replicas"]), h["change_cause"] or "-")
            for h in data["history"]
        ),
    )
    views = [pods, history]
    if data["events"]:
        views.append(
            TableView(
                title=f"recent events of {where}",
                columns=("type", "reason", "object", "count", "message"),
                rows=tuple(
                    (e["type"], e["reason"], e["object"], str(e["count"]), e["message"]) for e in data["events"]
                ),
                row_status=tuple("warn" if e["type"] == "Warning" else "" for e in data["events"]),
                untrusted=True,
            )
        )
    return tuple(views)
