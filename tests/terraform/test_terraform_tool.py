"""The tool as the agent uses it: a write whose dry-run lists the files, and the planner's intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import load_builtin_tools
from tests.terraform.conftest import SEED, SEED_TREE


def test_generate_is_a_write_whose_dry_run_lists_the_files_and_writes_nothing(tmp_path: Path) -> None:
    registry = load_builtin_tools()
    tool = registry.get("terraform_generate")
    assert tool is not None and tool.risk == "write"
    out = tmp_path / "out"
    ctx = ToolContext(Settings(), actor="tester")
    result = registry.call("terraform_generate", {"request": SEED, "out": str(out)}, ctx)
    assert result.status == "approval_required" and result.action_hash
    assert result.diff is not None
    for rel in SEED_TREE:
        assert f"create    {rel}" in result.diff
    assert not out.exists(), "a dry-run writes nothing"


def test_a_question_comes_back_as_invalid_input_not_a_guess(tmp_path: Path) -> None:
    registry = load_builtin_tools()
    ctx = ToolContext(Settings(), actor="tester")
    result = registry.call("terraform_generate", {"request": "a postgres database", "out": str(tmp_path)}, ctx)
    assert result.status == "error" and result.error is not None and result.error.kind == "invalid_input"
    assert "Kubernetes cluster" in result.text and "?" in result.text


@pytest.mark.parametrize(
    "text",
    [
        SEED,
        "generate terraform for postgres with 3 replicas on rds",
        "terraform for an encrypted s3 bucket named acme-logs in eu-west-1",
        "write terraform for a redis cache reachable from 10.0.0.0/8",
    ],
)
def test_the_planner_routes_infrastructure_requests_to_the_tool(text: str, planner, inventory) -> None:  # type: ignore[no-untyped-def]
    plan = planner.plan(text, inventory)
    assert plan.intent == "terraform_generate"
    assert [(c.name, c.args) for c in plan.tool_calls] == [("terraform_generate", {"request": text})]


def test_the_planner_asks_instead_of_guessing_the_engine(planner, inventory) -> None:  # type: ignore[no-untyped-def]
    plan = planner.plan("generate terraform for a database", inventory)
    assert plan.tool_calls == () and plan.follow_up is not None
    assert "PostgreSQL or MySQL" in plan.reply
