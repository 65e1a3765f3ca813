"""Reconcile executions whose process died: did the change land? Settle and audit what was found.

Run when an agent starts. An approval left "executing" whose lock no process holds was being run
by a process that died (kill -9, OOM, power). For each, the cluster is asked: the tool's own
`landed` check if it declares one (a restart looks for its restart stamp), otherwise its dry run
(nothing left to change -> landed; the same diff as approved -> it never ran; anything else ->
unknown, and a retry is refused anyway because the hash no longer matches). The row becomes
executed or interrupted, and an audit row "reconciled" records the finding. A cluster that
cannot be reached leaves the row for the next start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from opsgraph.agent.approvals import Approval, ApprovalStore
from opsgraph.agent.audit import AuditLog
from opsgraph.agent.writeahead import ExecutionLock
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import ApprovalInvalid, ToolError
from opsgraph.tools.registry import Registry

log = logging.getLogger(__name__)

Found = Literal["landed", "not_run", "unknown"]


@dataclass(frozen=True)
class Finding:
    approval_id: str
    tool: str
    found: Found
    detail: str


def reconcile(
    store: ApprovalStore, audit: AuditLog, registry: Registry, tools: ToolContext, locks: Path
) -> list[Finding]:
    findings = []
    for approval in store.find(status="executing"):
        lock = ExecutionLock(locks, approval.id, store.db)
        if not lock.acquire(wait=False):
            continue  # a live process is running it
        try:
            finding = _settle(store, audit, registry, tools, approval)
        finally:
            lock.release()
        if finding is not None:
            findings.append(finding)
    return findings


def _settle(
    store: ApprovalStore, audit: AuditLog, registry: Registry, tools: ToolContext, approval: Approval
) -> Finding | None:
    try:
        found, detail = _landed(registry, tools, approval)
    except _Unreachable as exc:
        log.warning("cannot reconcile %s yet: %s", approval.id, exc)
        return None
    try:
        settled = store.settle(approval.id, landed=found == "landed", outcome=found)
    except ApprovalInvalid:
        return None  # settled by another process meanwhile
    retry = (
        f"an approver may retry it once with `opsgraph approve {approval.id}` until it expires"
        if settled.status == "interrupted"
        else None
    )
    audit.append(
        "reconciled",
        actor="opsgraph",
        thread_id=approval.thread_id,
        subject=approval.tool,
        data={
            "approval": approval.id,
            "args": approval.args,
            "action_hash": approval.action_hash,
            "approved_by": approval.decided_by,
            "found": found,
            "detail": detail,
            "status": settled.status,
            "retry": retry,
        },
        durable=True,
    )
    return Finding(approval.id, approval.tool, found, detail)


class _Unreachable(Exception):
    pass


def _landed(registry: Registry, tools: ToolContext, approval: Approval) -> tuple[Found, str]:
    tool = registry.get(approval.tool)
    if tool is None:
        return "unknown", f"tool {approval.tool} is no longer installed"
    since = approval.started_at or approval.executed_at or approval.created_at
    if tool.landed is not None:
        try:
            landed = tool.landed(tool.args_model.model_validate(approval.args), tools, since)
        except ToolError as exc:
            if exc.kind == "unavailable":
                raise _Unreachable(exc.message) from exc
            return "unknown", exc.message
        if landed is None:
            return "unknown", "the cluster cannot tell"
        return ("landed", "the change is on the cluster") if landed else ("not_run", "the change is not on the cluster")
    preview = registry.preview(approval.tool, approval.args, tools)
    if preview.status != "ok":
        if preview.error is not None and preview.error.kind == "unavailable":
            raise _Unreachable(preview.error.message)
        return "unknown", preview.text
    if preview.no_op:
        return "landed", "the change is on the cluster (nothing left to change)"
    if preview.action_hash == approval.action_hash:
        return "not_run", "the cluster is as it was when approved: the change did not land"
    return "unknown", "the cluster changed since the approval, not (only) by this action"
