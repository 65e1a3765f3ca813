"""Retrying an interrupted approval: consumed, but its process died before the change landed.

`agent.reconcile` marks such an approval interrupted. An approver may run it once more: the
policy is asked again as it stands now (strictly: the arguments count as untrusted, so a write
needs a person), the approver is checked as for any approval, the store allows one retry, and
the write runs through the same write-ahead gate as the executor's, with the approved hash
checked against a fresh dry run (if the cluster moved on, nothing runs).
"""

from __future__ import annotations

from typing import Any

from opsgraph.agent.approvals import Approval
from opsgraph.agent.context import RunContext
from opsgraph.agent.policy import ActionRequest
from opsgraph.agent.writeahead import WriteAhead, lock_dir
from opsgraph.tools import results
from opsgraph.tools.errors import ApprovalInvalid
from opsgraph.tools.results import ToolResult


def retry_interrupted(ctx: RunContext, approval: Approval, *, by: str, groups: tuple[str, ...]) -> ToolResult:
    tool = ctx.registry.get(approval.tool)
    request = ActionRequest(
        tool=approval.tool,
        risk=tool.risk if tool else "destructive",
        args=approval.args,
        requester=approval.requester,
        channel="cli",
        source="human",
        untrusted_args=True,
    )
    decision = ctx.policy.decide(request)
    refusal = decision.reason if decision.effect == "deny" else ctx.policy.check_approver(request, decision, by, groups)
    if refusal is None:
        try:
            ctx.approvals.decide(approval.id, approve=True, by=by)
        except ApprovalInvalid as exc:
            refusal = exc.message
    if refusal is not None:
        _audit(ctx, "refused", by, approval, {"tool": approval.tool, "reason": refusal, "retry": True})
        return results.error(approval.tool, "approval_invalid", f"retry refused: {refusal}")
    _audit(ctx, "approved", by, approval, {"tool": approval.tool, "args": approval.args,
           "action_hash": approval.action_hash, "retry": True})  # fmt: skip
    gate = WriteAhead(ctx.approvals, ctx.audit, lock_dir(ctx.settings.state_dir), thread_id=approval.thread_id,
                      tool=approval.tool)  # fmt: skip
    tools = ctx.tools.with_actor(approval.requester)
    tools.approvals = gate
    try:
        result = ctx.registry.call(approval.tool, approval.args, tools, approval_id=approval.id)
    except BaseException:
        gate.release()
        raise
    ctx.audit.append(
        "executed", actor=approval.requester, thread_id=approval.thread_id, subject=approval.tool,
        data={"args": approval.args, "approval": approval.id, "approved_by": by, "status": result.status,
              "action_hash": result.action_hash, "text": result.text[:2000], "retry": True},
    )  # fmt: skip
    gate.finish(result.status)
    if result.status == "ok":
        ctx.policy.record_execution(request)
    return result


def _audit(ctx: RunContext, event: str, by: str, approval: Approval, data: dict[str, Any]) -> None:
    ctx.audit.append(event, actor=by, thread_id=approval.thread_id, subject=approval.id, data=data)
