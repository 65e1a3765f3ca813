"""route picks the brain; plan asks it for the next tool calls (or an answer, or a question).

In a loop turn `plan` runs once per step: the brain sees what this turn observed so far. A call
identical to one already run this turn is dropped; when nothing new is left, the loop stops and
says so (a brain repeating itself would otherwise spin until the step cap).
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.runtime import Runtime

from opsgraph.agent.brain import BrainInput, BrainOutput
from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import count_plan
from opsgraph.agent.state import AgentState
from opsgraph.core.playbook import Observation
from opsgraph.tools.errors import ToolError


def route(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    return {"brain": runtime.context.brain.name}


def signature(name: str, args: dict[str, Any]) -> str:
    return f"{name} {json.dumps(args, sort_keys=True, separators=(',', ':'))}"


def observations(state: AgentState) -> list[Observation]:
    return [
        Observation(r.get("tool", ""), r.get("args") or {}, r.get("status", ""), r.get("text", ""), r.get("data"))
        for r in state.get("results", [])
        if r.get("status") != "approval_required"
    ]


def plan(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    try:
        inventory = ctx.inventory.get()
    except ToolError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        return {"status": "error", "reply": f"{exc.message}{hint}", "follow_up": None}
    last = state.get("last_target")
    proposal = state.get("proposal")
    requested = state.get("requested_playbook")
    first = not state.get("steps")
    if proposal and first:
        out, brain = _proposed(proposal), "proposal"
    elif requested and (first or state.get("playbook")):
        # A playbook asked for as structure runs to its end without a brain reading words.
        from opsgraph.agent import structured

        playbook = state.get("playbook")
        out = structured.advance(playbook, observations(state)) if playbook else structured.start(requested, inventory)
        brain = "playbook"
    else:
        out = ctx.brain.plan(
            BrainInput(
                text=state["text"],
                history=list(state.get("messages", [])),
                inventory=inventory,
                follow_up=state.get("follow_up") if first else None,
                last_target=(last[0], last[1]) if last else None,
                last_change=state.get("last_change"),
                observations=observations(state),
                playbook=state.get("playbook"),
                step=int(state.get("steps") or 0),
                user=state["user"],
            )
        )
        brain = ctx.brain.name
    executed = set(state.get("executed") or [])
    proposed: list[dict[str, Any]] = [
        {"id": c["id"], "name": c["name"], "args": c["args"]} for c in out.message.tool_calls
    ]
    calls = [c for c in proposed if signature(c["name"], c["args"]) not in executed]
    record = {"intent": out.intent, "confidence": out.confidence, "tool_calls": calls, "brain": brain}
    # Which brain answered and why (the router's route, a model's failure, its tokens): audited.
    for key in ("answered_by", "route", "model_problem", "tokens", "note"):
        if out.extra.get(key):
            record[key] = out.extra[key]
    count_plan(record)
    ctx.audit.append(
        "plan",
        actor=state["user"],
        thread_id=state["thread_id"],
        subject=out.intent,
        data={"text": state["text"], "step": int(state.get("steps") or 0), **record},
        durable=False,  # a plan changes nothing; what it leads to is audited durably
    )
    update: dict[str, Any] = {
        "messages": [_message_for(out, calls)],
        "plan": record,
        "follow_up": out.follow_up,
        "last_target": list(out.target) if out.target else last,
        "playbook": out.playbook,
        "answer": out.answer or state.get("answer"),
        "wants_more": out.wants_more,
        "decisions": [],
        "approvals": [],
        "step_start": len(state.get("results", [])),
    }
    if proposed and not calls:
        repeated = ", ".join(signature(c["name"], c["args"]) for c in proposed)
        return update | {"stopped_by": f"a repeated call ({repeated[:200]}) that already ran this turn"}
    if not calls:
        if out.failed:
            status = "error"
        else:
            status = "question" if out.follow_up else "cancelled" if out.intent == "cancel" else "done"
        update |= {"status": status, "reply": str(out.message.content)}
    return update


def _proposed(proposal: dict[str, Any]) -> BrainOutput:
    """A structured proposal as this step's call: no brain reads the request's words."""
    from langchain_core.messages import AIMessage

    call = {"name": proposal["tool"], "args": dict(proposal["args"]), "id": "call_proposal", "type": "tool_call"}
    target = None
    if {"namespace", "name"} <= set(call["args"]):
        target = (str(call["args"]["namespace"]), str(call["args"]["name"]))
    return BrainOutput(AIMessage("", tool_calls=[call]), proposal["tool"], 1.0, target=target)


def _message_for(out: BrainOutput, calls: list[dict[str, Any]]) -> Any:
    """The brain's message with only the calls that will run (a dropped repeat has no reply)."""
    if len(calls) == len(out.message.tool_calls):
        return out.message
    kept = {c["id"] for c in calls}
    return out.message.model_copy(update={"tool_calls": [c for c in out.message.tool_calls if c["id"] in kept]})
