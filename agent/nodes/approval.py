"""approval: pause (a LangGraph interrupt, checkpointed) until a person decides.

The resume value is `{"approve": bool, "by": user, "ids": [approval ids] | None}`. Every refusal
is audited. A person who may not approve (missing role, own destructive action) leaves the
approval pending for someone who may: the graph pauses again. An expired or already used approval
is final.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import count_approval
from opsgraph.agent.nodes.policy import action_request
from opsgraph.agent.policy import Decision
from opsgraph.agent.state import AgentState
from opsgraph.tools import results
from opsgraph.tools.errors import ApprovalInvalid


def approval(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    pending = [a for a in state.get("approvals", []) if a["status"] == "pending"]
    if not pending:
        return {}
    answer: dict[str, Any] = interrupt({"approvals": pending})
    by = str(answer.get("by") or "unknown")
    groups = tuple(answer.get("groups") or ())
    chosen = set(answer.get("ids") or [a["id"] for a in pending])
    updated, outcomes = [], list(state.get("results", []))
    for item in state.get("approvals", []):
        if item["status"] != "pending" or item["id"] not in chosen:
            updated.append(item)
            continue
        approve = bool(answer.get("approve"))
        refusal = None
        if approve:
            request = action_request(state, ctx, item["tool"], item["args"])
            refusal = ctx.policy.check_approver(request, Decision(**_decision(item)), by, groups)
        if refusal is not None:  # this person may not; the approval stays open for someone who may
            _audit_refusal(ctx, state, item, by, refusal)
            updated.append(item | {"refusal": refusal})
            continue
        try:
            decided, repeated = ctx.approvals.decide_once(item["id"], approve=approve, by=by)
        except ApprovalInvalid as exc:
            refusal = exc.message
        else:
            # a double click (or a retry after the approver's process died) approves once: the
            # repeat is audited as such, never as a second approval
            event = "approval_repeated" if repeated else "approved" if approve else "denied"
            count_approval("repeated" if repeated else event)
            ctx.audit.append(
                event,
                actor=by,
                thread_id=state["thread_id"],
                subject=item["id"],
                data={"tool": item["tool"], "args": item["args"], "action_hash": item["action_hash"]},
            )
            updated.append(item | {"status": decided.status, "decided_by": by, "refusal": None})
            if not approve:
                denied = results.error(item["tool"], "forbidden", f"denied by {by}")
                outcomes.append(denied.model_dump() | {"call_id": item["call_id"], "args": item["args"]})
            continue
        _audit_refusal(ctx, state, item, by, refusal)  # expired or used: final
        updated.append(item | {"status": "refused", "refusal": refusal})
        invalid = results.error(item["tool"], "approval_invalid", f"approval refused: {refusal}")
        outcomes.append(invalid.model_dump() | {"call_id": item["call_id"], "args": item["args"]})
    # The working-time budget restarts: the time a person took to decide is not the agent's.
    return {"approvals": updated, "results": outcomes, "turn_started": time.time()}


def _audit_refusal(ctx: RunContext, state: AgentState, item: dict[str, Any], by: str, reason: str) -> None:
    current = ctx.approvals.get(item["id"])
    count_approval("expired" if current is not None and current.expired() else "refused")
    ctx.audit.append(
        "refused", actor=by, thread_id=state["thread_id"], subject=item["id"],
        data={"tool": item["tool"], "reason": reason},
    )  # fmt: skip


def still_pending(state: AgentState) -> bool:
    return any(a["status"] == "pending" for a in state.get("approvals", []))


def _decision(item: dict[str, Any]) -> dict[str, Any]:
    decision = dict(item["decision"])
    decision["approvers"] = tuple(decision.get("approvers") or ())
    return decision
