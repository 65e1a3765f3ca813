"""policy: decide allow / needs approval / deny for every tool call, and open the approvals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import count_approval
from opsgraph.agent.policy import ActionRequest
from opsgraph.agent.state import AgentState
from opsgraph.tools import results
from opsgraph.tools.results import ToolResult


def action_request(state: AgentState, ctx: RunContext, name: str, args: dict[str, Any]) -> ActionRequest:
    tool = ctx.registry.get(name)
    return ActionRequest(
        tool=name,
        risk=tool.risk if tool else "destructive",
        args=args,
        requester=state["user"],
        channel=state.get("channel", "cli"),
        source=state.get("source", "human"),
        # The planner builds arguments from the person's own words; a model may echo anything it
        # has read, so once untrusted content is in its context its writes count as untrusted.
        untrusted_args=bool(state.get("untrusted_input"))
        or (bool(state.get("tainted")) and state.get("brain") != "planner"),
    )


def _for(call: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    """A result as the loop records it: tied to the call that produced it."""
    return result.model_dump() | {"call_id": call["id"], "args": call["args"]}


def policy(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    plan = state.get("plan") or {}
    decisions: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = list(state.get("results", []))
    for call in plan.get("tool_calls", []):
        request = action_request(state, ctx, call["name"], call["args"])
        decision = ctx.policy.decide(request)
        entry = {"call_id": call["id"], "tool": call["name"], "args": call["args"], **asdict(decision)}
        decisions.append(entry)
        if decision.effect == "deny":
            ctx.audit.append(
                "denied",
                actor="policy",
                thread_id=state["thread_id"],
                subject=call["name"],
                data={"args": call["args"], "reason": decision.reason, "requester": state["user"]},
            )
            outcomes.append(_for(call, results.error(call["name"], "forbidden", decision.reason)))
            continue
        if decision.effect == "allow" and request.risk == "read":
            continue
        preview = ctx.registry.preview(call["name"], call["args"], ctx.tools.with_actor(state["user"]))
        if preview.status != "ok" or preview.action_hash is None:
            outcomes.append(_for(call, preview))
            continue
        if preview.no_op:
            outcomes.append(_for(call, results.ok(call["name"], preview.text, preview.data)))
            continue
        approval = ctx.approvals.create(
            thread_id=state["thread_id"],
            tool=call["name"],
            args=call["args"],
            diff=preview.text,
            action_hash=preview.action_hash,
            risk=request.risk,
            requester=state["user"],
            reason=decision.reason,
            ttl_s=ctx.settings.approval_ttl_s,
        )
        count_approval("requested")
        ctx.audit.append(
            "approval_requested",
            actor=state["user"],
            thread_id=state["thread_id"],
            subject=approval.id,
            data={**approval.summary(), "decision": asdict(decision)},
        )
        entry = {**approval.summary(), "call_id": call["id"], "decision": asdict(decision)}
        if decision.effect == "allow":
            # Policy lets this write run without a person: the grant is issued and recorded as the
            # policy's, so every write that runs still has exactly one approval behind it.
            ctx.approvals.decide(approval.id, approve=True, by="policy")
            count_approval("approved")
            ctx.audit.append(
                "approved",
                actor="policy",
                thread_id=state["thread_id"],
                subject=approval.id,
                data={
                    "tool": call["name"],
                    "args": call["args"],
                    "reason": decision.reason,
                    "action_hash": approval.action_hash,
                },
            )
            entry |= {"status": "approved", "decided_by": "policy"}
        approvals.append(entry)
    return {"decisions": decisions, "approvals": approvals, "results": outcomes}
