"""Graph state: a TypedDict with reducers. Clients and settings are run context, never state."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

HISTORY_LIMIT = 20  # messages kept per conversation: enough context, bounded checkpoint size

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

    # Carried between turns of one conversation.
    follow_up: dict[str, Any] | None
    last_target: list[str] | None
    last_change: dict[str, Any] | None  # the last write executed here: what "undo it" undoes
    # Untrusted content (logs, events, alert text) has entered the conversation: from now on a
    # model's proposals may echo it, so its writes always need a person.
    tainted: bool
