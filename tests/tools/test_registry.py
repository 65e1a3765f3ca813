"""The registry: declared once, args validated, writes impossible without a matching grant."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.settings import Settings
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import DuplicateToolError, NotFound
from opsgraph.tools.registry import DryRun, Registry, load_builtin_tools


class CounterArgs(BaseModel):
    value: int


def _registry(counter: list[int]) -> Registry:
    registry = Registry()

    @registry.tool("read_counter", args=CounterArgs, risk="read", description="read")
    def read(args: CounterArgs, ctx: ToolContext) -> results.ToolResult:
        if args.value < 0:
            raise NotFound("no such counter", hint="use a positive value")
        return results.ok("read_counter", f"counter is {counter[0]}", counter[0])

    def preview(args: CounterArgs, ctx: ToolContext) -> DryRun:
        return DryRun(diff=f"counter: {counter[0]} -> {args.value}")

    @registry.tool("set_counter", args=CounterArgs, risk="write", description="write", dry_run=preview)
    def write(args: CounterArgs, ctx: ToolContext) -> results.ToolResult:
        counter[0] = args.value
        return results.ok("set_counter", f"set to {args.value}")

    return registry


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(Settings(state_dir=tmp_path), actor="alice", approvals=ApprovalStore(tmp_path / "s.sqlite"))


def test_duplicate_tool_names_fail_at_declaration() -> None:
    registry = _registry([0])
    with pytest.raises(DuplicateToolError):
        registry.register(registry.get("read_counter"))  # type: ignore[arg-type]


def test_write_without_dry_run_is_rejected() -> None:
    registry = Registry()
    with pytest.raises(TypeError, match="dry_run"):
        registry.tool("w", args=CounterArgs, risk="write", description="w")(lambda a, c: results.ok("w", ""))


def test_bad_args_come_back_as_an_error_that_says_what_to_fix(ctx: ToolContext) -> None:
    result = _registry([0]).call("read_counter", {"value": "many"}, ctx)
    assert result.status == "error" and result.error and result.error.kind == "invalid_args"
    assert "value" in result.text


def test_unknown_tool_lists_known_ones(ctx: ToolContext) -> None:
    result = _registry([0]).call("drop_database", {}, ctx)
    assert result.status == "error" and "read_counter" in result.text


def test_tool_errors_become_results_with_hints(ctx: ToolContext) -> None:
    result = _registry([0]).call("read_counter", {"value": -1}, ctx)
    assert result.status == "error" and result.error and result.error.hint == "use a positive value"


def test_write_without_grant_returns_approval_required_and_changes_nothing(ctx: ToolContext) -> None:
    counter = [1]
    result = _registry(counter).call("set_counter", {"value": 9}, ctx)
    assert result.status == "approval_required"
    assert result.diff == "counter: 1 -> 9" and result.action_hash
    assert counter == [1]


def test_write_runs_once_with_a_grant_for_exactly_that_action(ctx: ToolContext) -> None:
    counter = [1]
    registry = _registry(counter)
    preview = registry.call("set_counter", {"value": 9}, ctx)
    assert ctx.approvals is not None and isinstance(ctx.approvals, ApprovalStore)
    approval = ctx.approvals.create(
        thread_id="t",
        tool="set_counter",
        args={"value": 9},
        diff=preview.diff or "",
        action_hash=preview.action_hash or "",
        risk="write",
        requester="alice",
        reason="",
        ttl_s=60,
    )
    ctx.approvals.decide(approval.id, approve=True, by="bob")
    other = registry.call("set_counter", {"value": 10}, ctx, approval_id=approval.id)
    assert other.status == "error" and counter == [1]
    assert registry.call("set_counter", {"value": 9}, ctx, approval_id=approval.id).status == "ok"
    assert counter == [9]
    again = registry.call("set_counter", {"value": 9}, ctx, approval_id=approval.id)
    assert again.status == "error" and "already used" in again.text


def test_builtin_tools_are_declared_with_llm_schemas() -> None:
    registry = load_builtin_tools()
    for name in ("k8s_status", "k8s_deploy", "k8s_scale", "k8s_rollback", "k8s_restart", "k8s_logs", "help"):
        tool = registry.get(name)
        assert tool is not None, name
        schema = tool.llm_schema()["function"]
        assert schema["name"] == name and schema["parameters"]["type"] == "object"
    assert registry.get("k8s_scale").llm_schema()["function"]["parameters"]["required"] == [  # type: ignore[union-attr]
        "name",
        "namespace",
        "replicas",
    ]
