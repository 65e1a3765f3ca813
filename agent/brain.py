"""The brain is pluggable: the deterministic planner or an LLM. Both answer with an AIMessage whose
tool_calls the rest of the graph executes; nothing after `plan` knows which one spoke.

A brain is asked once per step of a turn: it sees what this turn observed so far and answers with
more calls (`wants_more`: show me their results), or with its answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, AnyMessage

    from opsgraph.core.inventory import Inventory
    from opsgraph.core.playbook import Conclusion, Observation, Step


@dataclass(frozen=True)
class BrainInput:
    text: str
    history: list[AnyMessage]
    inventory: Inventory
    follow_up: dict[str, Any] | None = None
    last_target: tuple[str, str] | None = None
    # The last write this conversation made: {"tool", "args", "data", "target"}; "undo it" reads it.
    last_change: dict[str, Any] | None = None
    observations: list[Observation] = field(default_factory=list)  # this turn's calls and results
    playbook: dict[str, Any] | None = None  # an investigation in progress (planner)
    step: int = 0  # tool calls already run this turn
    user: str = ""  # who asked (token accounting per user)


@dataclass(frozen=True)
class BrainOutput:
    message: AIMessage
    intent: str
    confidence: float
    follow_up: dict[str, Any] | None = None
    target: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    failed: bool = False  # the request named something that does not exist; the reply says what
    wants_more: bool = False  # run these calls and ask me again with their results
    playbook: dict[str, Any] | None = None
    answer: dict[str, Any] | None = None  # diagnosis, evidence, root cause, proposed fix


class Brain(Protocol):
    name: str

    def plan(self, request: BrainInput) -> BrainOutput: ...


def answer_of(conclusion: Conclusion) -> dict[str, Any]:
    from opsgraph.tools.runbooks.attach import for_answer

    fix = {"name": conclusion.fix.name, "args": conclusion.fix.args} if conclusion.fix else None
    answer = {
        "diagnosis": conclusion.diagnosis,
        "evidence": [{"step": step, "saw": saw} for step, saw in conclusion.evidence],
        "root_cause": dict(conclusion.root_cause),
        "fix": fix,
        "fix_reason": conclusion.fix_reason,
    }
    # The runbook for the root cause found (alert names / keywords first; the model only if needed).
    runbook = for_answer(answer)
    return answer | {"runbook": runbook} if runbook else answer


class PlannerBrain:
    """The deterministic planner behind the Brain protocol, loaded on first use (approving from a
    terminal never needs it). Investigations run its capabilities' playbooks step by step."""

    name = "planner"

    def __init__(self, load: Any) -> None:
        self._load = load
        self._planner: Any = None

    def _ready(self) -> Any:
        if self._planner is None:
            self._planner = self._load()
        return self._planner

    def plan(self, request: BrainInput) -> BrainOutput:
        from opsgraph.core.planning import FollowUp

        planner = self._ready()
        if request.playbook:
            intent = str(request.playbook["intent"])
            step = planner.playbooks[intent].advance(dict(request.playbook["memory"]), request.observations)
            return _from_step(intent, step)
        if request.observations:
            # A single-shot request already ran: nothing more to do this turn.
            from langchain_core.messages import AIMessage

            return BrainOutput(AIMessage(""), "done", 1.0)
        pending = FollowUp(**request.follow_up) if request.follow_up else None
        plan = planner.plan(
            request.text,
            request.inventory,
            pending=pending,
            last_target=request.last_target,
            last_change=request.last_change,
        )
        if plan.step is not None:
            out = _from_step(plan.intent, plan.step, plan.confidence, plan.target)
            out.extra["planner_familiarity"] = plan.familiarity
            out.extra["planner_uncertainty"] = plan.uncertainty
            return out
        follow_up = asdict(plan.follow_up) if plan.follow_up else None
        if follow_up:
            follow_up["options"] = list(follow_up["options"])
        message = _message(plan.reply, [(c.name, c.args) for c in plan.tool_calls])
        return BrainOutput(
            message,
            plan.intent,
            plan.confidence,
            follow_up,
            plan.target,
            extra={"planner_familiarity": plan.familiarity, "planner_uncertainty": plan.uncertainty},
            failed=plan.failed,
        )


def _message(text: str, calls: list[tuple[str, dict[str, Any]]], start: int = 0) -> AIMessage:
    from langchain_core.messages import AIMessage

    tool_calls = [
        {"name": name, "args": args, "id": f"call_{start + i}", "type": "tool_call"}
        for i, (name, args) in enumerate(calls)
    ]
    return AIMessage(content=text, tool_calls=tool_calls)


def _from_step(intent: str, step: Step, confidence: float = 1.0, target: tuple[str, str] | None = None) -> BrainOutput:
    """A playbook step as the brain's answer: more reads, or the conclusion with its proposed fix."""
    offset = int(step.memory.get("_calls", 0))
    memory = {**step.memory, "_calls": offset + len(step.calls)}
    if step.calls:
        message = _message(step.note, [(c.name, c.args) for c in step.calls], offset)
        return BrainOutput(
            message, intent, confidence, target=target, wants_more=True, playbook={"intent": intent, "memory": memory}
        )
    conclusion = step.conclusion
    if conclusion is None:
        raise ValueError(f"playbook {intent} returned neither calls nor a conclusion")
    fix = [(conclusion.fix.name, conclusion.fix.args)] if conclusion.fix else []
    message = _message(conclusion.diagnosis, fix, offset)
    return BrainOutput(message, intent, confidence, target=target, answer=answer_of(conclusion))
