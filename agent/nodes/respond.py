"""respond: one reply for the person, and the turn's status."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.state import AgentState


def respond(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    status = state.get("status", "done")
    if status in ("blocked", "question", "cancelled") or (status == "error" and not state.get("results")):
        return {"messages": [AIMessage(state.get("reply", ""))]}
    outcomes = state.get("results", [])
    plan = state.get("plan") or {}
    calls = {c["name"]: c["id"] for c in plan.get("tool_calls", [])}
    messages: list[Any] = [
        ToolMessage(content=r.get("text", ""), tool_call_id=calls.get(r.get("tool", ""), "call_0"), name=r.get("tool"))
        for r in outcomes
    ]
    if not outcomes:
        reply = state.get("reply") or "Nothing to do."
    else:
        reply = "\n".join(str(r.get("text", "")) for r in outcomes)
    statuses = {r.get("status") for r in outcomes}
    approvals = state.get("approvals", [])
    if approvals and all(a["status"] == "denied" for a in approvals):
        status = "denied"
    elif any(a["status"] == "refused" for a in approvals) and "ok" not in statuses:
        status = "refused"
    elif outcomes and statuses <= {"error"}:
        status = "error"
    else:
        status = "done"
    messages.append(AIMessage(reply))
    return {"messages": messages, "reply": reply, "status": status}
