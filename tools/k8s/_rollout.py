"""Follow a rollout to the end, the way `kubectl rollout status` does: watch, don't sleep."""

from __future__ import annotations

import time

from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Failed, Unavailable
from opsgraph.tools.k8s._views import DeploymentView


def wait_for_rollout(ctx: ToolContext, namespace: str, name: str, timeout_s: float) -> DeploymentView:
    """Return the deployment once its rollout is complete; raise Failed if it stalls or times out."""
    deadline = time.monotonic() + timeout_s
    view = DeploymentView.of(ctx.cluster.deployment(namespace, name))
    while True:
        state = view.rollout_state()
        if state == "complete":
            return view
        if state == "failed":
            raise Failed(
                f"rollout of {namespace}/{name} failed: "
                f"{view.conditions['Progressing'][2] or 'progress deadline exceeded'}",
                hint=f"{view.progress_line()}; roll back with k8s_rollback",
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Failed(
                f"rollout of {namespace}/{name} not finished after {timeout_s:.0f}s ({view.progress_line()})",
                hint="it may still complete; check with k8s_status, or roll back with k8s_rollback",
            )
        view = _next_change(ctx, namespace, name, remaining) or view


def _next_change(ctx: ToolContext, namespace: str, name: str, remaining: float) -> DeploymentView | None:
    """The deployment after its next change (or the watch timing out), whichever comes first."""
    try:
        for obj in ctx.cluster.watch_deployment(namespace, name, timeout_s=min(remaining, 30.0)):
            view = DeploymentView.of(obj)
            if view.rollout_state() != "progressing":
                return view
    except Unavailable:
        # A dropped watch is routine; poll once and let the loop watch again.
        time.sleep(min(0.5, remaining))
    return DeploymentView.of(ctx.cluster.deployment(namespace, name))
