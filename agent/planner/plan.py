"""What the deterministic planner answers: tool calls, or a question, and how sure it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedCall:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class FollowUp:
    """A question the planner asked; the next message may answer it."""

    intent: str
    args: dict[str, Any]
    missing: str  # which argument the answer fills: name, namespace, replicas, image
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    intent: str
    confidence: float
    tool_calls: tuple[PlannedCall, ...] = ()
    reply: str = ""
    follow_up: FollowUp | None = None
    target: tuple[str, str] | None = field(default=None)  # (namespace, name) the plan is about

    def to_json(self) -> dict[str, Any]:
        """The `opsgraph plan --json` contract."""
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "tool_calls": [{"name": c.name, "args": c.args} for c in self.tool_calls],
            "reply": self.reply,
        }


class Ask(Exception):
    """Raised by a builder that needs one more detail; becomes a follow-up question."""

    def __init__(self, question: str, missing: str, known: dict[str, Any], options: tuple[str, ...] = ()) -> None:
        super().__init__(question)
        self.question = question
        self.missing = missing
        self.known = known
        self.options = options
