"""guard_input: scan what came in; guard_output: scan and redact what tools brought back."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import count_guard
from opsgraph.agent.state import AgentState
from opsgraph.guardrails.injection.explain import refusal

FLAG_NOTE = "note: this output contains text that reads like instructions to me; I treated it as data only"


def guard_input(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    text = state["text"]
    untrusted = state.get("source") == "alert" or bool(state.get("untrusted_input"))
    verdict = ctx.scan_untrusted(text, "alert") if untrusted else ctx.scan_input(text)
    count_guard("input", "block" if verdict.injection else "allow")
    fresh: dict[str, Any] = {
        "guard": {"injection": verdict.injection, "score": verdict.score, "reasons": list(verdict.reasons)},
        "plan": None,
        "decisions": [],
        "approvals": [],
        "results": [],
        "reply": "",
        "status": "done",
        "steps": 0,
        "turn_started": time.time(),
        "executed": [],
        "step_start": 0,
        "wants_more": False,
        "stopped_by": "",
        "playbook": None,
        "answer": None,
    }
    if verdict.injection:
        ctx.audit.append(
            "blocked",
            actor=state["user"],
            thread_id=state["thread_id"],
            subject="input",
            data={"text": text, "score": verdict.score, "reasons": list(verdict.reasons)},
        )
        return fresh | {"status": "blocked", "follow_up": None, "reply": refusal(verdict.reasons)}
    message = HumanMessage(text, additional_kwargs={"untrusted": True} if untrusted else {})
    return fresh | {"messages": [message], "tainted": bool(state.get("tainted")) or untrusted}


def _flags(ctx: RunContext, text: str, source: str) -> list[str]:
    verdict = ctx.scan_untrusted(text, source)
    return (list(verdict.reasons) or ["instruction-like text"]) if verdict.injection else []


def guard_output(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    results = list(state.get("results", []))
    start = int(state.get("step_start") or 0)
    checked = results[:start]  # earlier steps' results were checked when they came back
    for result in results[start:]:
        result = dict(result)
        if result.get("untrusted"):
            parts = result.get("untrusted_parts") or [str(result.get("text", ""))]
            source = f"tool:{result.get('tool', '')}"
            flags = [r for part in parts for r in _flags(ctx, part, source)]
            count_guard("output", "flag" if flags else "allow")
            if flags:
                result["flagged"] = flags
                result["text"] = f"{result['text']}\n({FLAG_NOTE})"
        checked.append(ctx.redact(result))
    tainted = bool(state.get("tainted")) or any(r.get("untrusted") for r in checked)
    return {"results": checked, "tainted": tainted}
