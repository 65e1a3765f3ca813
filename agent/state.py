"""Graph state: a TypedDict with reducers. Clients and settings are run context, never state."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

HISTORY_LIMIT = 60  # messages kept per conversation (an 8-step turn adds ~17): bounded checkpoint size

TurnStatus = Literal["done", "needs_approval", "question", "blocked", "denied", "error", "cancelled", "refused"]


def add_recent_messages(left: list[AnyMessage], right: list[AnyMessage] | AnyMessage) -> list[AnyMessage]:
    merged: list[AnyMessage] = add_messages(left, right)  # type: ignore[arg-type,assignment]
    return merged[-HISTORY_LIMIT:]


class AgentState(TypedDict, total=False):
    # This turn's input.
    thread_id: str
    text: str
    user: str
    channel: str
    source: Literal["human", "alert"]
    untrusted_input: bool
    proposal: dict[str, Any] | None  # a structured call to run instead of asking the brain
    requested_playbook: dict[str, Any] | None  # a playbook to run instead of asking the brain

    # Conversation history (the LLM brain reads it; the planner does not need it).
    messages: Annotated[list[AnyMessage], add_recent_messages]

    # Working state of one turn; guard_input resets it.
    guard: dict[str, Any] | None
    brain: str
    plan: dict[str, Any] | None
    decisions: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    results: list[dict[str, Any]]
    reply: str
    status: TurnStatus

    # The loop: one turn may run several steps (plan -> execute -> observe -> plan again).
    steps: int  # tool calls run this turn
    turn_started: float  # wall clock; restarts after an approval decision (people are not the budget)
    executed: list[str]  # signatures of the calls run this turn: a repeat ends the loop
    step_start: int  # index in `results` where this step's results begin
    wants_more: bool  # the brain asked to see this step's results before answering
    stopped_by: str  # the limit that ended the turn early, in words
    playbook: dict[str, Any] | None  # an investigation in progress: {"intent", "memory"}
    answer: dict[str, Any] | None  # the diagnosis, evidence, root cause and proposed fix

    # Carried between turns of one conversation.
    follow_up: dict[str, Any] | None
    last_target: list[str] | None
    last_change: dict[str, Any] | None  # the last write executed here: what "undo it" undoes
    # Untrusted content (logs, events, alert text) has entered the conversation: from now on a
    # model's proposals may echo it, so its writes always need a person.
    tainted: bool
