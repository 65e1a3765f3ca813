"""Run-scoped dependencies a tool handler receives: settings, who is acting, lazy clients.

Clients are built on first use so a tool that does not need the cluster never connects to it,
and `opsgraph --help` never imports the kubernetes client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings
    from opsgraph.core.audit import AuditSink
    from opsgraph.tools.k8s._client import ClusterClient


class ApprovalGate(Protocol):
    """Consumes an approval for one exact action, at most once (see agent.approvals)."""

    def consume(self, approval_id: str, action_hash: str, *, actor: str) -> None:
        """Raise ApprovalInvalid unless `approval_id` is approved, unexpired, unused and bound to
        `action_hash`; mark it used in the same transaction."""
        ...


class ToolContext:
    def __init__(
        self,
        settings: Settings,
        *,
        actor: str,
        cluster_factory: Callable[[], ClusterClient] | None = None,
        approvals: ApprovalGate | None = None,
        extras: dict[str, Any] | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self.settings = settings
        self.actor = actor
        self.approvals = approvals
        # Where a tool audits its own steps (a multi-step apply); None: the caller keeps no audit log.
        self.audit = audit
        self._cluster_factory = cluster_factory
        self._cluster: ClusterClient | None = None
        # Capabilities added later register their own lazy clients here by name.
        self.extras: dict[str, Any] = dict(extras or {})

    @property
    def cluster(self) -> ClusterClient:
        if self._cluster is None:
            if self._cluster_factory is None:
                from opsgraph.tools.errors import Unavailable

                raise Unavailable("no cluster is configured for this run")
            self._cluster = self._cluster_factory()
        return self._cluster

    def with_actor(self, actor: str) -> ToolContext:
        clone = ToolContext(
            self.settings,
            actor=actor,
            cluster_factory=self._cluster_factory,
            approvals=self.approvals,
            extras=self.extras,
            audit=self.audit,
        )
        clone._cluster = self._cluster
        return clone
