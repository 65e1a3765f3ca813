"""Who may do what: the interface the graph's `policy` and `approval` steps rely on.

`ReadsRunWritesNeedApproval` is the built-in rule set: reads run, every write needs a person's
approval. guardrails.policy provides the configurable YAML policy behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

Effect = Literal["allow", "approve", "deny"]


@dataclass(frozen=True)
class ActionRequest:
    tool: str
    risk: str
    args: dict[str, Any]
    requester: str
    channel: str
    source: str  # "human" or "alert"
    untrusted_args: bool = False  # args derived from content someone outside controls


@dataclass(frozen=True)
class Decision:
    effect: Effect
    reason: str  # one line, shown to people: "needs approval by oncall: prod write"
    approvers: tuple[str, ...] = ()  # roles allowed to approve, when effect == "approve"
    two_person: bool = False  # the approver must not be the requester


class ActionPolicy(Protocol):
    def decide(self, request: ActionRequest) -> Decision: ...

    def check_approver(
        self, request: ActionRequest, decision: Decision, approver: str, groups: tuple[str, ...] = ()
    ) -> str | None:
        """None when `approver` (member of `groups`) may approve; otherwise the reason they may not."""
        ...

    def record_execution(self, request: ActionRequest) -> None:
        """Called once a write has run (rate limits count these)."""
        ...


class ReadsRunWritesNeedApproval:
    def decide(self, request: ActionRequest) -> Decision:
        if request.risk == "read":
            return Decision("allow", "allowed: read-only")
        if request.source == "alert" or request.untrusted_args:
            return Decision("approve", "needs approval by anyone: proposed from untrusted content", ("any",))
        return Decision(
            "approve",
            f"needs approval by anyone: {request.risk}",
            ("any",),
            two_person=request.risk == "destructive",
        )

    def check_approver(
        self, request: ActionRequest, decision: Decision, approver: str, groups: tuple[str, ...] = ()
    ) -> str | None:
        if decision.two_person and approver == request.requester:
            return "a destructive action needs a second person: the requester cannot approve it"
        return None

    def record_execution(self, request: ActionRequest) -> None:
        return None
