"""Helpers for tests that drive the sandbox cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult


class SandboxHandle:
    """A running sandbox cluster and the kubeconfig that points at it."""

    def __init__(self, server: object, kubeconfig: Path) -> None:
        self.server = server
        self.kubeconfig = kubeconfig

    def apps(self) -> object:
        from kubernetes import client, config

        return client.AppsV1Api(config.new_client_from_config(str(self.kubeconfig), persist_config=False))

    def core(self) -> object:
        from kubernetes import client, config

        return client.CoreV1Api(config.new_client_from_config(str(self.kubeconfig), persist_config=False))


def approve_and_run(ctx: ToolContext, tool: str, args: dict[str, Any]) -> ToolResult:
    """What the approval step does: preview, approve exactly that, run with the grant."""
    preview = REGISTRY.call(tool, args, ctx)
    assert preview.status == "approval_required", preview.text
    store = ctx.approvals
    assert isinstance(store, ApprovalStore)
    approval = store.create(
        thread_id="t",
        tool=tool,
        args=args,
        diff=preview.diff or "",
        action_hash=preview.action_hash or "",
        risk="write",
        requester="alice",
        reason="test",
        ttl_s=60,
    )
    store.decide(approval.id, approve=True, by="bob")
    return REGISTRY.call(tool, args, ctx, approval_id=approval.id)
