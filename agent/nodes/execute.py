"""execute: run what policy allowed and people approved, through the registry, and audit it.

This is the executor boundary: the only place that catches every exception, so one broken tool
answers politely (and is logged with its traceback) instead of killing the conversation.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import count_approval
from opsgraph.agent.nodes.policy import action_request
from opsgraph.agent.state import AgentState
from opsgraph.agent.writeahead import WriteAhead, lock_dir
from opsgraph.tools import results
from opsgraph.tools.results import ToolResult

log = logging.getLogger(__name__)


def execute(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    tools = ctx.tools.with_actor(state["user"])
    approved = {a["call_id"]: a for a in state.get("approvals", []) if a["status"] == "approved"}
    outcomes = list(state.get("results", []))
    progress = get_stream_writer()
    last_change = state.get("last_change")
    for decision in state.get("decisions", []):
        grant = approved.get(decision["call_id"])
        free_read = decision["effect"] == "allow" and not _writes(ctx, decision["tool"])
        if grant is None and not free_read:
            continue
        progress({"phase": "started", "tool": decision["tool"], "args": decision["args"], "status": None,
                  "summary": ""})  # fmt: skip
        gate, call_tools = None, tools
        if grant is not None:
            # Write-ahead: the gate records "executing" durably before the tool runs.
            gate = WriteAhead(
                ctx.approvals, ctx.audit, lock_dir(ctx.settings.state_dir),
                thread_id=state["thread_id"], tool=decision["tool"],
            )  # fmt: skip
            call_tools = tools.with_actor(state["user"])
            call_tools.approvals = gate
        try:
            result = _run(ctx, decision, call_tools, approval_id=grant["id"] if grant else None)
        except BaseException:
            if gate is not None:  # KeyboardInterrupt mid-call: leave it for reconcile, lock dropped
                gate.release()
            raise
        ctx.audit.append(
            "executed",
            actor=state["user"],
            thread_id=state["thread_id"],
            subject=decision["tool"],
            data={
                "args": decision["args"],
                "approval": grant["id"] if grant else None,
                "approved_by": grant.get("decided_by") if grant else None,
                "status": result.status,
                "action_hash": result.action_hash,
                "text": result.text[:2000],
            },
            durable=grant is not None or _writes(ctx, decision["tool"]),
        )
        if gate is not None:
            gate.finish(result.status)
        if grant is not None:
            count_approval("executed" if result.status == "ok" else "failed")
        if grant is not None and result.status == "ok":
            ctx.policy.record_execution(action_request(state, ctx, decision["tool"], decision["args"]))
            last_change = _change(decision, result)
        outcomes.append(result.model_dump() | {"call_id": decision["call_id"], "args": decision["args"]})
        progress({"phase": "done", "tool": decision["tool"], "args": decision["args"], "status": result.status,
                  "summary": result.text.splitlines()[0][:200] if result.text else ""})  # fmt: skip
    return {"results": outcomes, "last_change": last_change}


def _change(decision: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    args = decision["args"]
    target = [args["namespace"], args["name"]] if "namespace" in args and "name" in args else None
    return {"tool": decision["tool"], "args": args, "data": result.data, "target": target}


def _writes(ctx: RunContext, tool: str) -> bool:
    found = ctx.registry.get(tool)
    return found is None or found.writes


def _run(ctx: RunContext, decision: dict[str, Any], tools: Any, approval_id: str | None) -> ToolResult:
    try:
        return ctx.registry.call(decision["tool"], decision["args"], tools, approval_id=approval_id)
    except Exception:
        log.exception("tool %s crashed", decision["tool"])
        return results.error(
            decision["tool"], "failed", f"{decision['tool']} failed unexpectedly; the error was logged"
        )
