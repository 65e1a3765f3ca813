"""What a deterministic brain works with: recognised entities in, planned calls or a question out.

Capabilities write their planner builders against these types:
`Builder = (Entities, Inventory, carried args) -> (calls, reply)`, raising `Ask` for a missing detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsgraph.core.inventory import Inventory

if TYPE_CHECKING:
    from opsgraph.core.playbook import Step

SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True)
class NumberMention:
    value: int
    index: int  # token position
    before: str  # the previous word ("to", "by", "revision", ...)
    after: str  # the next word ("replicas", "lines", "more", ...)


@dataclass(frozen=True)
class Entities:
    namespaces: tuple[str, ...]
    workloads: tuple[str, ...]
    numbers: tuple[NumberMention, ...]
    image: str | None
    pod: str | None
    incident: str | None
    window: str | None
    masked: str
    words: tuple[str, ...]
    text: str = ""  # the message as written (after Unicode normalisation)
    # Words that look like a workload name (after "scale", "restart", ...) but name none.
    unknown_names: tuple[str, ...] = ()
    unknown_namespaces: tuple[str, ...] = ()

    def has_word(self, *candidates: str) -> bool:
        return any(c in self.words for c in candidates)


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
    text: str = ""  # the request the question is about; the answer is read together with it


@dataclass(frozen=True)
class Plan:
    intent: str
    confidence: float
    tool_calls: tuple[PlannedCall, ...] = ()
    reply: str = ""
    follow_up: FollowUp | None = None
    target: tuple[str, str] | None = field(default=None)  # (namespace, name) the plan is about
    failed: bool = False  # the request names something that does not exist: `reply` says what
    step: Step | None = None  # an investigation's first step, when a playbook serves the intent
    # Share of the request's words the planner met in its intent examples: low means it is guessing.
    familiarity: float = 1.0
    # Entropy of the intent model's distribution over its intents, divided by its maximum (0: one
    # intent has it all, 1: every intent equally likely): high means the request fits none well.
    uncertainty: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The `opsgraph plan --json` contract."""
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "tool_calls": [{"name": c.name, "args": c.args} for c in self._first_calls()],
            "reply": self.reply,
        }

    def _first_calls(self) -> tuple[PlannedCall, ...]:
        return self.step.calls if self.step is not None else self.tool_calls


class Ask(Exception):
    """Raised by a builder that needs one more detail; becomes a follow-up question."""

    def __init__(self, question: str, missing: str, known: dict[str, Any], options: tuple[str, ...] = ()) -> None:
        super().__init__(question)
        self.question = question
        self.missing = missing
        self.known = known
        self.options = options


class NotFoundName(Exception):
    """Raised by a builder when the message names something that does not exist: reported, never
    replaced by a guess."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Built = tuple[list[PlannedCall], str]
Builder = Callable[[Entities, Inventory, dict[str, Any]], Built]
