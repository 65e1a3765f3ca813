"""Follow a rollout to the end, the way `kubectl rollout status` does: watch, don't sleep."""

from __future__ import annotations

import time

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Failed, ToolError, Unavailable
from opsgraph.tools.k8s._views import DeploymentView
from opsgraph.tools.k8s._workloads import owned_replicasets, workload_pods

# Waiting reasons a new pod does not leave by itself: the rollout cannot finish while every new pod
# is stuck in one of them, so waiting for the deadline only delays the answer.
STUCK_REASONS = frozenset(
    {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"}
)
CHECK_EVERY_S = 3.0
# What following a rollout asks the API for (the crashed container's log when new pods crash-loop).
FOLLOW_ACCESS = (
    KubeAccess("apps", "deployments", ("get", "watch")),
    KubeAccess("apps", "replicasets", ("list",)),
    KubeAccess("", "pods", ("list",)),
    KubeAccess("", "pods/log", ("get",)),
)


def wait_for_rollout(ctx: ToolContext, namespace: str, name: str, timeout_s: float) -> DeploymentView:
    """Return the deployment once its rollout is complete; raise Failed if it stalls or times out."""
    deadline = time.monotonic() + timeout_s
    view = DeploymentView.of(ctx.cluster.deployment(namespace, name))
    while True:
        state = view.rollout_state()
        if state == "complete":
            return view
        stuck = stuck_pods(ctx, view)
        if state == "failed" or stuck is not None:
            why = view.conditions["Progressing"][2] if state == "failed" else ""
            reason, quoted = stuck or (why or "progress deadline exceeded", ())
            raise Failed(
                f"rollout of {namespace}/{name} failed: {reason}",
                hint=f"{view.progress_line()}; roll back with k8s_rollback",
                untrusted_parts=quoted,
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Failed(
                f"rollout of {namespace}/{name} not finished after {timeout_s:.0f}s ({view.progress_line()})",
                hint="it may still complete; check with k8s_status, or roll back with k8s_rollback",
            )
        view = _next_change(ctx, namespace, name, min(remaining, CHECK_EVERY_S)) or view


def stuck_pods(ctx: ToolContext, view: DeploymentView) -> tuple[str, tuple[str, ...]] | None:
    """Why the rollout cannot finish, when every pod of the newest ReplicaSet is stuck: the reason,
    and for a crash loop the crashed container's last log line (quoted from outsiders)."""
    history = owned_replicasets(ctx, view)
    if not history:
        return None
    newest = history[0].name
    fresh = [p for p in workload_pods(ctx, view) if p.name.startswith(f"{newest}-")]
    stuck = [
        p
        for p in fresh
        if p.waiting_reason in STUCK_REASONS and (p.waiting_reason != "CrashLoopBackOff" or p.restarts >= 1)
    ]
    if not fresh or len(stuck) < len(fresh):
        return None
    first = stuck[0]
    reason = f"{len(stuck)} new pod{'s' if len(stuck) != 1 else ''} in {first.waiting_reason} ({first.name})"
    if first.waiting_reason != "CrashLoopBackOff":
        return reason, ()
    try:
        log = ctx.cluster.pod_log(view.namespace, first.name, container=None, tail_lines=1, previous=True)
    except ToolError:  # no previous container yet, or logs unavailable: the reason alone still helps
        return reason, ()
    last = log.strip().splitlines()[-1] if log.strip() else ""
    return (f"{reason}; its last log line: {last}", (last,)) if last else (reason, ())


def _next_change(ctx: ToolContext, namespace: str, name: str, remaining: float) -> DeploymentView | None:
    """The deployment after its next change (or the watch timing out), whichever comes first."""
    try:
        for obj in ctx.cluster.watch_deployment(namespace, name, timeout_s=remaining):
            view = DeploymentView.of(obj)
            if view.rollout_state() != "progressing":
                return view
    except Unavailable:
        # A dropped watch is routine; poll once and let the loop watch again.
        time.sleep(min(0.5, remaining))
    return DeploymentView.of(ctx.cluster.deployment(namespace, name))
