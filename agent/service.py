"""The agent as channels see it: one request in, one result out; approvals decided by id.

Channels (REPL, CLI, Slack, webhooks) build an `AgentRequest`, call `Agent.handle`, and render the
`TurnResult`. A turn that needs approval returns `needs_approval` with the diff; whoever decides
calls `Agent.decide(approval_id, ...)`, from this process or another one after a restart: the
graph state is checkpointed (SQLite in the state directory, or PostgreSQL shared by replicas).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from opsgraph.agent.progress import StepCallback
from opsgraph.agent.settings import Settings

log = logging.getLogger(__name__)


class ProposedCall(BaseModel):
    """A tool call proposed as structure (an incident's suggested fix, a button), never as English
    a brain parses back: it runs through policy and approval exactly as a brain's call would."""

    tool: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)


class PlaybookRequest(BaseModel):
    """A playbook asked for as structure (a remediation policy's diagnosis): which one, on what."""

    intent: str = Field(min_length=1, max_length=64, description="the playbook, e.g. investigate")
    namespace: str | None = Field(None, max_length=253)
    name: str | None = Field(None, max_length=253)
    window: str | None = Field(None, max_length=16)


class AgentRequest(BaseModel):
    text: str = Field(min_length=1, max_length=8000)
    user: str = Field(min_length=1, max_length=200)
    channel: str = "cli"
    thread_id: str | None = Field(None, max_length=200)
    source: Literal["human", "alert"] = "human"
    untrusted_input: bool = False
    # When set, the turn runs this call instead of asking a brain; `text` only labels it.
    proposal: ProposedCall | None = None
    # When set, the turn runs this playbook on this target, step by step, whichever brain is
    # configured; `text` only labels it.
    playbook: PlaybookRequest | None = None


class PendingApproval(BaseModel):
    id: str
    tool: str
    args: dict[str, Any]
    diff: str
    reason: str
    requester: str
    expires_at: float
    refusal: str | None = None
    # "pending"; "interrupted" (consumed, its run died before the change landed: an approver may
    # retry it once); "tampered" (the stored row fails its seal); "expired" (interrupted, then
    # left to expire). `note` says which in words.
    status: str = "pending"
    note: str | None = None


class TurnResult(BaseModel):
    thread_id: str
    status: str
    reply: str
    intent: str | None = None
    confidence: float | None = None
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    results: list[dict[str, Any]] = Field(default_factory=list)
    approvals: list[PendingApproval] = Field(default_factory=list)
    # An investigation's findings: diagnosis, evidence, root cause, proposed fix (and the limit
    # that stopped it early, if one did). Reads it made are in `results`, marked `evidence`.
    answer: dict[str, Any] | None = None
    steps: int = 0  # tool calls this turn ran


class Agent:
    def __init__(
        self,
        settings: Settings,
        *,
        brain: Any = None,
        cluster: Any = None,
        policy: Any = None,
        inventory_ttl_s: float = 5.0,
    ) -> None:
        from opsgraph.agent.approvals import ApprovalStore
        from opsgraph.agent.audit import AuditLog
        from opsgraph.agent.checkpoints import open_checkpointer
        from opsgraph.agent.context import RunContext
        from opsgraph.agent.graph import compile_graph
        from opsgraph.agent.inventory import CachedInventory
        from opsgraph.agent.services import cluster_factory, cluster_inventory
        from opsgraph.tools.context import ToolContext
        from opsgraph.tools.registry import load_builtin_tools

        settings.ensure_state_dir()
        self.settings = settings
        guard = _guardrails()
        # Each store: its SQLite file in the state directory, or the shared PostgreSQL database.
        self.audit = AuditLog(settings.database_for(settings.audit_db), redactor=guard.redact)
        self.approvals = ApprovalStore(settings.database_for(settings.state_db), key=settings.approval_key_bytes())
        make_cluster = cluster or cluster_factory(settings)
        tools = ToolContext(
            settings, actor=settings.user, cluster_factory=make_cluster, approvals=self.approvals, audit=self.audit
        )
        self.context = RunContext(
            settings=settings,
            registry=load_builtin_tools(),
            brain=brain or default_brain(settings, load_builtin_tools()),
            tools=tools,
            audit=self.audit,
            approvals=self.approvals,
            inventory=CachedInventory(cluster_inventory(settings, lambda: tools.cluster), ttl_s=inventory_ttl_s),
            policy=policy or guard.policy(settings),
            scan_input=guard.scan_input,
            scan_untrusted=guard.scan_untrusted,
            redact=guard.redact,
        )
        # Checkpoints pass the redactor (agent.checkpoint_serde): no secret is stored in the clear.
        self._checkpoints = open_checkpointer(settings.database_for(settings.state_dir / "checkpoints.sqlite"))
        self.graph = compile_graph(self._checkpoints.saver)
        self.reconciled = self._reconcile()

    # -- one turn ------------------------------------------------------------------------------
    def handle(self, request: AgentRequest, on_step: StepCallback | None = None) -> TurnResult:
        thread_id = request.thread_id or uuid.uuid4().hex[:12]
        state = {
            "thread_id": thread_id,
            "text": request.text,
            "user": request.user,
            "channel": request.channel,
            "source": request.source,
            "untrusted_input": request.untrusted_input,
            "proposal": request.proposal.model_dump() if request.proposal else None,
            "requested_playbook": request.playbook.model_dump() if request.playbook else None,
        }
        return self._run(state, thread_id, on_step, channel=request.channel)

    def decide(
        self,
        approval_id: str,
        *,
        approve: bool,
        by: str,
        groups: tuple[str, ...] = (),
        on_step: StepCallback | None = None,
    ) -> TurnResult:
        """Approve or deny a pending approval; resumes the paused conversation, wherever it began."""
        from langgraph.types import Command

        approval = self.approvals.get(approval_id)
        if approval is None:
            return TurnResult(thread_id="", status="error", reply=f"there is no approval {approval_id}")
        if approval.status == "interrupted" and not approval.tampered:
            return self._retry(approval, approve=approve, by=by, groups=groups)
        config = {"configurable": {"thread_id": approval.thread_id}}
        paused = self.graph.get_state(config)
        waiting = paused.interrupts
        waiting_ids = {a["id"] for i in waiting for a in (i.value or {}).get("approvals", [])}
        if approval_id not in waiting_ids:
            return TurnResult(
                thread_id=approval.thread_id,
                status="refused",
                reply=f"approval {approval_id} is not waiting for a decision (it is {approval.status}"
                + ("; the conversation moved on" if approval.status == "pending" else "")
                + ")",
            )
        command: Command[Any] = Command(
            resume={"approve": approve, "by": by, "groups": list(groups), "ids": [approval_id]}
        )
        channel = str((paused.values or {}).get("channel") or "cli")
        return self._run(command, approval.thread_id, on_step, channel=channel, kind="decide")

    def _retry(self, approval: Any, *, approve: bool, by: str, groups: tuple[str, ...]) -> TurnResult:
        """An interrupted approval (its run died before the change landed): once more, or denied."""
        from opsgraph.agent.retry import retry_interrupted
        from opsgraph.tools.errors import ApprovalInvalid

        if not approve:
            try:
                self.approvals.decide(approval.id, approve=False, by=by)
            except ApprovalInvalid as exc:
                return TurnResult(thread_id=approval.thread_id, status="refused", reply=exc.message)
            self.audit.append("denied", actor=by, thread_id=approval.thread_id, subject=approval.id,
                              data={"tool": approval.tool, "args": approval.args, "retry": True})  # fmt: skip
            return TurnResult(thread_id=approval.thread_id, status="denied", reply=f"denied by {by}")
        result = retry_interrupted(self.context, approval, by=by, groups=groups)
        status = (
            "done"
            if result.status == "ok"
            else "refused"
            if result.error and result.error.kind == "approval_invalid"
            else "error"
        )
        call = {"name": approval.tool, "args": approval.args}
        return _redacted(
            TurnResult(
                thread_id=approval.thread_id, status=status, reply=result.text, intent=approval.tool,
                tool_calls=[call], results=[result.model_dump() | {"args": approval.args}],
            )
        )  # fmt: skip

    def pending_approvals(self) -> list[PendingApproval]:
        """What waits for a person: pending approvals, interrupted ones (retry once, or let them
        expire), interrupted ones that expired in the last day, and rows that fail their seal."""
        import time

        from opsgraph.agent.instrumentation import count_approval

        count_approval("expired", self.approvals.expire_stale())
        now = time.time()
        shown = []
        for a in self.approvals.find():
            if a.tampered:
                status, note = "tampered", f"altered in the state database: {a.tampered}; it cannot be used"
            elif a.status == "pending":
                status, note = "pending", None
            elif a.status == "interrupted":
                status, note = (
                    "interrupted",
                    (
                        f"consumed but never run ({a.outcome}): an approver may retry it once with "
                        f"`opsgraph approve {a.id}` before it expires"
                        if a.retryable(now)
                        else "consumed but never run; already retried once: ask again"
                    ),
                )
            elif a.status == "expired" and a.interrupted_at and now - a.expires_at < 86400:
                status, note = "expired", "interrupted before it ran and expired without a retry: ask again"
            else:
                continue
            shown.append(
                PendingApproval(
                    id=a.id, tool=a.tool, args=a.args, diff=a.diff, reason=a.reason, requester=a.requester,
                    expires_at=a.expires_at, status=status, note=note,
                )
            )  # fmt: skip
        return shown

    def _reconcile(self) -> list[Any]:
        """Settle executions a dead process left half-done (see agent.reconcile)."""
        if not self.approvals.find(status="executing"):
            return []
        from opsgraph.agent.reconcile import reconcile
        from opsgraph.agent.writeahead import lock_dir

        try:
            return reconcile(
                self.approvals, self.audit, self.context.registry, self.context.tools,
                lock_dir(self.settings.state_dir),
            )  # fmt: skip
        except Exception:  # the agent must still start; the rows wait for the next start
            log.exception("reconciling interrupted executions failed")
            return []

    def close(self) -> None:
        self._checkpoints.close()
        self.audit.close()
        self.approvals.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _run(
        self,
        graph_input: Any,
        thread_id: str,
        on_step: StepCallback | None = None,
        *,
        channel: str = "cli",
        kind: str = "turn",
    ) -> TurnResult:
        """One run of the graph under a request id, a span, and the turn metrics."""
        from opsgraph.agent.instrumentation import turn

        with turn(channel, kind) as record:
            result, plan = self._run_graph(graph_input, thread_id, on_step)
            record.finish(result.status, plan, thread_id)
        return result

    def _run_graph(
        self, graph_input: Any, thread_id: str, on_step: StepCallback | None
    ) -> tuple[TurnResult, dict[str, Any] | None]:
        config = {"configurable": {"thread_id": thread_id}}
        # "exit": checkpoint only where the turn can end or pause (an approval), not after every
        # node; a crash mid-turn loses nothing that was executed, which the audit log records.
        if on_step is None:
            out = self.graph.invoke(graph_input, config=config, context=self.context, durability="exit")
        else:
            out = self._streamed(graph_input, config, on_step)
        return _redacted(_to_result(thread_id, out, self.context.registry)), out.get("plan")

    def _streamed(self, graph_input: Any, config: dict[str, Any], on_step: StepCallback) -> dict[str, Any]:
        from opsgraph.agent.progress import StepEvent

        out: dict[str, Any] = {}
        for mode, chunk in self.graph.stream(
            graph_input, config=config, context=self.context, durability="exit", stream_mode=["custom", "values"]
        ):
            if mode == "custom":
                on_step(StepEvent(**chunk))
            elif mode == "values":
                out = dict(chunk)
        interrupts = self.graph.get_state(config).interrupts
        if interrupts:
            out["__interrupt__"] = list(interrupts)
        return out


def _redacted(result: TurnResult) -> TurnResult:
    """Every reply passes the redactor, whatever produced it (tool results already did, in
    guard_output, before they entered the conversation)."""
    from opsgraph.guardrails.redaction import redact, redact_data

    approvals = [PendingApproval.model_validate(redact_data(a.model_dump())) for a in result.approvals]
    return result.model_copy(update={"reply": redact(result.reply), "approvals": approvals})


def _to_result(thread_id: str, out: dict[str, Any], registry: Any) -> TurnResult:
    plan = out.get("plan") or {}
    base = {
        "thread_id": thread_id,
        "intent": plan.get("intent"),
        "confidence": plan.get("confidence"),
        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in plan.get("tool_calls", [])],
        "answer": out.get("answer"),
        "steps": int(out.get("steps") or 0),
    }
    interrupts = out.get("__interrupt__") or []
    if interrupts:
        pending = [a for i in interrupts for a in (i.value or {}).get("approvals", [])]
        approvals = [PendingApproval.model_validate(a) for a in pending]
        from opsgraph.agent.nodes.respond import answer_text, as_evidence

        lines = [answer_text(out["answer"])] if out.get("answer") else []
        results = as_evidence(out.get("results", []), registry) if out.get("answer") else out.get("results", [])
        for a in approvals:
            if a.refusal:
                lines.append(f"Not approved: {a.refusal}. Still waiting for someone who may approve.")
            lines.append(f"{a.tool} {a.reason} [{a.id}]\n{a.diff}")
        done = [r for r in results if r.get("status") == "ok" and not r.get("evidence")]
        lines += [str(r.get("text", "")) for r in done]
        return TurnResult(
            **base,
            status="needs_approval",
            reply="\n".join(lines),
            approvals=approvals,
            results=results,
        )
    return TurnResult(
        **base, status=out.get("status", "done"), reply=out.get("reply", ""), results=out.get("results", [])
    )


def default_brain(settings: Settings, registry: Any) -> Any:
    """The deterministic planner; the LLM with the planner as its fallback; or the router (the
    planner answers what it is sure of, the model the rest, the planner again when it fails)."""
    from opsgraph.agent.brain import PlannerBrain
    from opsgraph.agent.planner.planner import DeterministicPlanner

    planner = PlannerBrain(lambda: DeterministicPlanner.load(settings.cache_dir))
    if settings.brain == "planner":
        return planner
    from opsgraph.agent.llm.brain import LLMBrain
    from opsgraph.serving.wiring import chat_client, router_brain

    llm = LLMBrain(chat_client(settings), registry, fallback=planner)
    return router_brain(settings, planner, llm, registry) if settings.brain == "router" else llm


class _guardrails:
    """The guardrails in force: injection scanners, secret redaction, and the action policy."""

    @staticmethod
    def scan_input(text: str) -> Any:
        from opsgraph.guardrails.injection import scan

        return scan(text)

    @staticmethod
    def scan_untrusted(text: str, source: str) -> Any:
        from opsgraph.guardrails.injection import scan_untrusted

        return scan_untrusted(text, source)

    @staticmethod
    def redact(value: Any) -> Any:
        from opsgraph.guardrails.redaction import redact_data

        return redact_data(value)

    @staticmethod
    def policy(settings: Settings) -> Any:
        """The YAML policy; an invalid file raises PolicyError naming the line."""
        from opsgraph.guardrails.policy import PolicyEngine

        return PolicyEngine.load(settings.policy_file, settings.database_for(settings.state_db))
