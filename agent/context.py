"""Run-scoped dependencies of the graph (LangGraph `context_schema`): built once, never in state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import AuditLog
from opsgraph.agent.brain import Brain
from opsgraph.agent.inventory import CachedInventory
from opsgraph.agent.policy import ActionPolicy
from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import Registry


class GuardVerdict(Protocol):
    injection: bool
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    registry: Registry
    brain: Brain
    tools: ToolContext
    audit: AuditLog
    approvals: ApprovalStore
    inventory: CachedInventory
    policy: ActionPolicy
    scan_input: Callable[[str], GuardVerdict]
    scan_untrusted: Callable[[str, str], GuardVerdict]
    redact: Callable[[Any], Any]
