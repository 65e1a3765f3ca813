"""The brain is pluggable: the deterministic planner or an LLM. Both answer with an AIMessage whose
tool_calls the rest of the graph executes; nothing after `plan` knows which one spoke."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, AnyMessage

    from opsgraph.core.inventory import Inventory


@dataclass(frozen=True)
class BrainInput:
    text: str
    history: list[AnyMessage]
    inventory: Inventory
    follow_up: dict[str, Any] | None = None
    last_target: tuple[str, str] | None = None
    # The last write this conversation made: {"tool", "args", "data", "target"}; "undo it" reads it.
    last_change: dict[str, Any] | None = None


@dataclass(frozen=True)
class BrainOutput:
    message: AIMessage
    intent: str
    confidence: float
    follow_up: dict[str, Any] | None = None
    target: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    failed: bool = False  # the request named something that does not exist; the reply says what


class Brain(Protocol):
    name: str

    def plan(self, request: BrainInput) -> BrainOutput: ...


class PlannerBrain:
    """The deterministic planner behind the Brain protocol, loaded on first use (approving from a
    terminal never needs it)."""

    name = "planner"

    def __init__(self, load: Any) -> None:
        self._load = load
        self._planner: Any = None

    def plan(self, request: BrainInput) -> BrainOutput:
        from dataclasses import asdict

        from langchain_core.messages import AIMessage

        from opsgraph.core.planning import FollowUp

        if self._planner is None:
            self._planner = self._load()
        pending = FollowUp(**request.follow_up) if request.follow_up else None
        plan = self._planner.plan(
            request.text,
            request.inventory,
            pending=pending,
            last_target=request.last_target,
            last_change=request.last_change,
        )
        calls = [
            {"name": c.name, "args": c.args, "id": f"call_{i}", "type": "tool_call"}
            for i, c in enumerate(plan.tool_calls)
        ]
        message = AIMessage(content=plan.reply, tool_calls=calls)
        follow_up = asdict(plan.follow_up) if plan.follow_up else None
        if follow_up:
            follow_up["options"] = list(follow_up["options"])
        return BrainOutput(message, plan.intent, plan.confidence, follow_up, plan.target, failed=plan.failed)
