"""respond: one reply for the person, and the turn's status.

An investigation answers with its findings (the diagnosis, the evidence step by step, the root
cause and the proposed fix); the reads it made are kept as evidence, marked so channels can show
the findings first. A turn a limit stopped answers with what it found so far and names the limit.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.state import AgentState


def respond(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    status = state.get("status", "done")
    outcomes = list(state.get("results", []))
    stopped = state.get("stopped_by") or ""
    if status in ("blocked", "question", "cancelled") or (status == "error" and not outcomes):
        return {"messages": [AIMessage(state.get("reply", ""))]}
    answer = _answer(state, outcomes, stopped)
    if answer is not None:
        outcomes = as_evidence(outcomes, runtime.context.registry)
        writes = [str(r.get("text", "")) for r in outcomes if not r.get("evidence")]
        reply = "\n".join([answer_text(answer), *writes])
    elif not outcomes:
        reply = state.get("reply") or "Nothing to do."
    else:
        reply = "\n".join(str(r.get("text", "")) for r in outcomes)
    note = (state.get("plan") or {}).get("note")
    if note and note not in reply:  # e.g. the model was unavailable and the planner answered
        reply = f"{note}\n{reply}"
    statuses = {r.get("status") for r in outcomes if not r.get("evidence")}
    approvals = state.get("approvals", [])
    if approvals and all(a["status"] == "denied" for a in approvals):
        status = "denied"
    elif any(a["status"] == "refused" for a in approvals) and "ok" not in statuses:
        status = "refused"
    elif answer is None and outcomes and statuses <= {"error"}:
        status = "error"
    else:
        status = "done"
    return {"messages": [AIMessage(reply)], "reply": reply, "status": status, "answer": answer, "results": outcomes}


def _answer(state: AgentState, outcomes: list[dict[str, Any]], stopped: str) -> dict[str, Any] | None:
    """The playbook's conclusion; or a model's final words after it looked at tool results; or,
    when a limit stopped the turn, what was found so far."""
    answer = state.get("answer")
    steps = int(state.get("steps") or 0)
    final_words = str(state.get("reply") or "") if not (state.get("plan") or {}).get("tool_calls") else ""
    if answer is None and steps and (final_words or stopped):
        diagnosis = final_words or "No diagnosis yet."
        answer = {"diagnosis": diagnosis, "evidence": _evidence(outcomes), "root_cause": {}, "fix": None}
    if answer is not None and stopped:
        answer = answer | {"stopped_by": stopped}
    return answer


def _evidence(outcomes: list[dict[str, Any]]) -> list[dict[str, str]]:
    found = []
    for r in outcomes:
        args = " ".join(f"{k}={v}" for k, v in (r.get("args") or {}).items())
        first = str(r.get("text", "")).strip().splitlines()
        found.append({"step": f"{r.get('tool', '?')} {args}".strip(), "saw": first[0][:300] if first else r["status"]})
    return found


def answer_text(answer: dict[str, Any]) -> str:
    lines = [str(answer["diagnosis"])]
    if answer.get("evidence"):
        lines.append("Evidence:")
        lines += [f"  - {e['step']}: {e['saw']}" for e in answer["evidence"]]
    fix = answer.get("fix")
    if fix:
        args = " ".join(f"{k}={v}" for k, v in fix["args"].items())
        why = f" ({answer['fix_reason']})" if answer.get("fix_reason") else ""
        lines.append(f"Proposed fix: {fix['name']} {args}{why}")
    if isinstance(answer.get("runbook"), dict) and answer["runbook"].get("line"):
        lines.append(str(answer["runbook"]["line"]))
    if answer.get("stopped_by"):
        lines.append(f"Stopped early by {answer['stopped_by']}; this is what I found so far.")
    return "\n".join(lines)


def as_evidence(outcomes: list[dict[str, Any]], registry: Any) -> list[dict[str, Any]]:
    """The reads an investigation made are its evidence: marked, so channels show findings first."""
    return [r if _writes(registry, r.get("tool", "")) else r | {"evidence": True} for r in outcomes]


def _writes(registry: Any, tool: str) -> bool:
    found = registry.get(tool)
    return found is not None and found.writes
