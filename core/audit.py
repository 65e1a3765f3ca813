"""Where a tool records what it did, step by step, for the audit trail: an interface on the floor
that tools/ and agent/ both import. The agent's hash-chained `AuditLog` (agent.audit) is one; the
caller that builds a `ToolContext` passes it in, so no tool imports the agent."""

from __future__ import annotations

from typing import Any, Protocol


class AuditSink(Protocol):
    def append(
        self,
        event: str,
        *,
        actor: str,
        thread_id: str = "",
        subject: str = "",
        data: Any = None,
        durable: bool = True,
    ) -> object:
        """Record one event; `durable`: on disk before returning (an executed write's step)."""
        ...
