"""Every tool is declared here once: name, description, typed args, risk, handler, dry-run.

The LLM sees `Tool.llm_schema()` (derived from the args model); the deterministic planner builds
the same args; both go through `Registry.call`, which validates, enforces approvals for anything
that writes, and turns tool errors into a typed `ToolResult`.

A write never runs without a grant: `call()` on a write tool without `approval_id` answers
`approval_required` with the dry-run diff and the action hash the approval must be bound to.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import ApprovalInvalid, DuplicateToolError, ToolError
from opsgraph.tools.results import ToolResult

log = logging.getLogger(__name__)

Risk = Literal["read", "write", "destructive"]
ArgsT = TypeVar("ArgsT", bound=BaseModel)

Handler = Callable[[Any, ToolContext], ToolResult]
DryRunner = Callable[[Any, ToolContext], "DryRun"]
# Did this write land on the world since `since` (epoch seconds)? True, False, or None when it
# cannot tell. Asked when an execution's process died mid-call (agent.reconcile); a write that
# declares none is judged by its dry run (no change left to make -> landed).
LandedCheck = Callable[[Any, ToolContext, float], "bool | None"]


@dataclass(frozen=True)
class DryRun:
    """What a write would change, for a person to read before approving."""

    diff: str
    changes: bool = True
    data: Any = None


@dataclass(frozen=True)
class Tool(Generic[ArgsT]):
    name: str
    description: str
    args_model: type[ArgsT]
    risk: Risk
    handler: Callable[[ArgsT, ToolContext], ToolResult]
    dry_run: Callable[[ArgsT, ToolContext], DryRun] | None = None
    examples: tuple[str, ...] = field(default=())
    landed: LandedCheck | None = None
    # What it needs from the Kubernetes API; the ServiceAccount's RBAC is generated from these.
    kube_access: tuple[KubeAccess, ...] = ()

    @property
    def writes(self) -> bool:
        return self.risk != "read"

    def llm_schema(self) -> dict[str, Any]:
        """OpenAI-style function schema, derived from the args model."""
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }


def canonical_args(args: BaseModel) -> dict[str, Any]:
    return args.model_dump(mode="json")


def action_hash(tool: str, args: dict[str, Any], diff: str) -> str:
    """The identity of one exact action: what an approval is bound to."""
    payload = json.dumps({"tool": tool, "args": args, "diff": diff}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class Registry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool[Any]] = {}

    def register(self, tool: Tool[Any]) -> Tool[Any]:
        if tool.name in self._tools:
            raise DuplicateToolError(f"tool {tool.name!r} is declared twice")
        if tool.writes and tool.dry_run is None:
            raise TypeError(f"tool {tool.name!r} writes and must declare a dry_run")
        self._tools[tool.name] = tool
        return tool

    def tool(
        self,
        name: str,
        *,
        args: type[ArgsT],
        risk: Risk,
        description: str,
        dry_run: Callable[[ArgsT, ToolContext], DryRun] | None = None,
        examples: tuple[str, ...] = (),
        landed: Callable[[ArgsT, ToolContext, float], bool | None] | None = None,
        kube_access: tuple[KubeAccess, ...] = (),
    ) -> Callable[[Callable[[ArgsT, ToolContext], ToolResult]], Callable[[ArgsT, ToolContext], ToolResult]]:
        """Decorator form of `register`."""

        def decorate(
            fn: Callable[[ArgsT, ToolContext], ToolResult],
        ) -> Callable[[ArgsT, ToolContext], ToolResult]:
            self.register(Tool(name, description, args, risk, fn, dry_run, examples, landed, kube_access))
            return fn

        return decorate

    def get(self, name: str) -> Tool[Any] | None:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool[Any]]:
        return iter(sorted(self._tools.values(), key=lambda t: t.name))

    def names(self) -> list[str]:
        return sorted(self._tools)

    def preview(self, name: str, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Dry-run a write: the diff and the hash an approval must be bound to."""
        return self.call(name, args, ctx, dry_run=True)

    def call(
        self,
        name: str,
        args: dict[str, Any],
        ctx: ToolContext,
        *,
        approval_id: str | None = None,
        dry_run: bool = False,
    ) -> ToolResult:
        """Every tool call passes here: counted by tool and status, timed, and traced (a span
        named after the tool, under the turn's) when tracing is on. Dry runs are traced only."""
        from opsgraph.core.telemetry.tracing import span

        with span(f"opsgraph.tool.{name}", {"opsgraph.tool": name, "opsgraph.dry_run": dry_run}) as current:
            started = time.perf_counter()
            status = "crashed"
            try:
                result = self._call(name, args, ctx, approval_id=approval_id, dry_run=dry_run)
                status = result.status
                return result
            finally:
                current.set_attribute("opsgraph.status", status)
                if not dry_run:
                    _count(name if name in self._tools else "unknown", status, time.perf_counter() - started)

    def _call(
        self,
        name: str,
        args: dict[str, Any],
        ctx: ToolContext,
        *,
        approval_id: str | None = None,
        dry_run: bool = False,
    ) -> ToolResult:
        tool = self._tools.get(name)
        if tool is None:
            return results.error(
                name,
                "unknown_tool",
                f"there is no tool named {name!r}",
                hint=f"known tools: {', '.join(self.names())}",
            )
        try:
            parsed = tool.args_model.model_validate(args)
        except ValidationError as exc:
            return results.error(name, "invalid_args", explain_validation(exc))
        try:
            if not tool.writes:
                return tool.handler(parsed, ctx)
            return self._call_write(tool, parsed, ctx, approval_id=approval_id, dry_run=dry_run)
        except ToolError as exc:
            return results.error(name, exc.kind, exc.message, exc.hint, exc.untrusted_parts)

    def _call_write(
        self, tool: Tool[Any], parsed: BaseModel, ctx: ToolContext, *, approval_id: str | None, dry_run: bool
    ) -> ToolResult:
        assert tool.dry_run is not None  # enforced by register()
        preview = tool.dry_run(parsed, ctx)
        digest = action_hash(tool.name, canonical_args(parsed), preview.diff)
        if dry_run or approval_id is None:
            status = "ok" if dry_run else "approval_required"
            return ToolResult(
                tool=tool.name,
                status=status,
                text=preview.diff,
                data=preview.data,
                diff=preview.diff,
                action_hash=digest,
                no_op=not preview.changes,
            )
        if ctx.approvals is None:
            raise ApprovalInvalid("no approval store is configured; writes are disabled")
        # Consuming re-checks the hash against the diff as it is *now*: if the cluster changed
        # since the approval was given, the hash differs and nothing runs.
        ctx.approvals.consume(approval_id, digest, actor=ctx.actor)
        result = tool.handler(parsed, ctx)
        return result.model_copy(update={"action_hash": digest, "diff": preview.diff})


def _count(tool: str, status: str, seconds: float) -> None:
    from opsgraph.core.telemetry.metrics import metrics

    m = metrics()
    m.tool_calls.labels(tool, status).inc()
    m.tool_seconds.labels(tool).observe(seconds)
    fields = {"tool": tool, "status": status, "seconds": round(seconds, 4)}
    log.info("tool %s %s in %.3f s", tool, status, seconds, extra=fields)


def explain_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{where}: {err['msg']}")
    return "invalid arguments: " + "; ".join(parts)


REGISTRY = Registry()

# Tools that belong to no capability.
CORE_TOOL_MODULES: tuple[str, ...] = ("opsgraph.tools.help",)


def load_builtin_tools() -> Registry:
    """Import every capability's tool modules (idempotent) and return the registry they filled."""
    from opsgraph.tools.capabilities import capabilities

    modules = [m for cap in capabilities() for m in cap.tool_modules] + list(CORE_TOOL_MODULES)
    for module in modules:
        importlib.import_module(module)
    return REGISTRY
