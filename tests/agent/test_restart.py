"""A pending approval survives the process that asked for it, and runs exactly once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.cli import run_cli as run

pytestmark = pytest.mark.slow


def test_approval_from_another_process_after_restart_executes_once(cluster_settings: Any, sandbox: Any) -> None:
    asked = run("ask", "scale recommendation in prod to 4", "--json")
    assert asked.returncode == 3, asked.stderr  # waiting for approval
    pending = json.loads(asked.stdout)
    assert pending["status"] == "needs_approval"
    approval_id = pending["approvals"][0]["id"]

    listed = run("approvals", "--json")
    assert [a["id"] for a in json.loads(listed.stdout)["approvals"]] == [approval_id]

    approved = run("approve", approval_id, "--json")  # a new process: state comes from SQLite
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert json.loads(approved.stdout)["status"] == "done"
    assert sandbox.apps().read_namespaced_deployment("recommendation", "prod").spec.replicas == 4

    again = run("approve", approval_id, "--json")
    assert again.returncode == 4
    assert "not waiting for a decision (it is executed)" in json.loads(again.stdout)["reply"]

    audit = json.loads(run("audit", "--json").stdout)["entries"]
    assert [e["event"] for e in audit].count("executed") == 1
    assert run("audit", "verify").returncode == 0


def test_ask_with_approve_flag_runs_in_one_go(cluster_settings: Any, sandbox: Any) -> None:
    result = run("ask", "scale cart in staging to 1", "--approve", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == "done"
    assert sandbox.apps().read_namespaced_deployment("cart", "staging").spec.replicas == 1


def test_ask_with_deny_flag_changes_nothing(cluster_settings: Any, sandbox: Any) -> None:
    result = run("ask", "restart catalog in staging", "--deny", "--json")
    assert result.returncode == 0  # the denial that was asked for succeeded
    assert json.loads(result.stdout)["status"] == "denied"


def test_unknown_approval_id_is_a_clear_error(cluster_settings: Any) -> None:
    result = run("approve", "apr-00000000")
    assert result.returncode == 1
    assert "there is no approval apr-00000000" in result.stdout
    assert "Traceback" not in result.stderr
