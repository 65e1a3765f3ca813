"""observe: after a step ran, record what it saw and decide whether the loop goes on.

The turn goes back to `plan` when the brain asked to see the results (`wants_more`) and no limit
is hit: the step cap (`max_steps` tool calls per turn), the time budget (`turn_budget_s` of
working time), or a brain repeating a call (caught in `plan`). A limit ends the turn with what was
found so far, and the reply says which limit stopped it.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.nodes.plan import signature
from opsgraph.agent.state import AgentState


def observe(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    settings = runtime.context.settings
    calls = (state.get("plan") or {}).get("tool_calls", [])
    fresh = state.get("results", [])[int(state.get("step_start") or 0) :]
    by_call = {r.get("call_id"): r for r in fresh if r.get("call_id")}
    # Every call gets an answer in the history (a model is refused a call left without one).
    messages = [
        ToolMessage(content=_bounded(str((by_call.get(c["id"]) or {}).get("text", "not run"))),
                    tool_call_id=c["id"], name=c["name"])
        for c in calls
    ]  # fmt: skip
    steps = int(state.get("steps") or 0) + len(calls)
    executed = list(state.get("executed") or []) + [signature(c["name"], c["args"]) for c in calls]
    update: dict[str, Any] = {"messages": messages, "steps": steps, "executed": executed}
    if not state.get("wants_more"):
        return update
    elapsed = time.time() - float(state.get("turn_started") or time.time())
    if steps >= settings.max_steps:
        update["stopped_by"] = f"the step cap ({settings.max_steps} tool calls per turn, OPSGRAPH_MAX_STEPS)"
    elif elapsed >= settings.turn_budget_s:
        update["stopped_by"] = f"the time budget ({settings.turn_budget_s:.0f} s per turn, OPSGRAPH_TURN_BUDGET_S)"
    return update


TOOL_MESSAGE_CHARS = 4000  # what a model reads of one result; also bounds the checkpointed history


def _bounded(text: str) -> str:
    if len(text) <= TOOL_MESSAGE_CHARS:
        return text
    return f"{text[:TOOL_MESSAGE_CHARS]}\n... ({len(text) - TOOL_MESSAGE_CHARS} more characters not shown)"


def next_after_observe(state: AgentState) -> str:
    return "plan" if state.get("wants_more") and not state.get("stopped_by") else "respond"
