"""route picks the brain; plan asks it for tool calls (or a question) and records the plan."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from opsgraph.agent.brain import BrainInput
from opsgraph.agent.context import RunContext
from opsgraph.agent.state import AgentState
from opsgraph.tools.errors import ToolError


def route(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    return {"brain": runtime.context.brain.name}


def plan(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    try:
        inventory = ctx.inventory.get()
    except ToolError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        return {"status": "error", "reply": f"{exc.message}{hint}", "follow_up": None}
    last = state.get("last_target")
    out = ctx.brain.plan(
        BrainInput(
            text=state["text"],
            history=list(state.get("messages", [])),
            inventory=inventory,
            follow_up=state.get("follow_up"),
            last_target=(last[0], last[1]) if last else None,
            last_change=state.get("last_change"),
        )
    )
    calls = [{"id": c["id"], "name": c["name"], "args": c["args"]} for c in out.message.tool_calls]
    record = {
        "intent": out.intent,
        "confidence": out.confidence,
        "tool_calls": calls,
        "brain": ctx.brain.name,
    }
    ctx.audit.append(
        "plan",
        actor=state["user"],
        thread_id=state["thread_id"],
        subject=out.intent,
        data={"text": state["text"], **record},
        durable=False,  # a plan changes nothing; what it leads to is audited durably
    )
    update: dict[str, Any] = {
        "messages": [out.message],
        "plan": record,
        "follow_up": out.follow_up,
        "last_target": list(out.target) if out.target else last,
    }
    if not calls:
        status = (
            "error"
            if out.failed
            else "question"
            if out.follow_up
            else "cancelled"
            if out.intent == "cancel"
            else "done"
        )
        update |= {"status": status, "reply": str(out.message.content)}
    return update
