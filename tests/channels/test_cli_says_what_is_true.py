"""Every CLI answer says what is true (issue 9): exit codes, empty results, filters, settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli


def test_an_unknown_audit_event_is_an_error_not_an_empty_log() -> None:
    done = run_cli("audit", "--event", "bogus")
    assert done.returncode == 2 and "unknown audit event 'bogus'" in done.stderr and "approved" in done.stderr


@pytest.mark.parametrize("command", [("plan", ""), ("ask", ""), ("plan", "   ")])
def test_an_empty_message_is_refused_the_same_way_everywhere(command: tuple[str, str]) -> None:
    done = run_cli(*command)
    assert done.returncode == 2 and "empty" in done.stderr


def test_eval_with_a_missing_data_dir_fails(tmp_path: Path) -> None:
    done = run_cli("eval", "nab", "--data", str(tmp_path / "missing"))
    assert done.returncode == 2 and "no such directory" in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("OPSGRAPH_NAMESPACES", "[prod", "OPSGRAPH_NAMESPACES: not valid JSON"),
        ("OPSGRAPH_APPROVAL_TTL_S", "-3", "OPSGRAPH_APPROVAL_TTL_S: should be greater than 0"),
        ("OPSGRAPH_CLUSTER", "prod-cluster", "OPSGRAPH_CLUSTER: should be 'sandbox', 'kubeconfig' or 'in-cluster'"),
    ],
)
def test_an_invalid_setting_names_its_variable_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    done = run_cli("plan", "status of prod")
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["prod,staging", '["prod", "staging"]', " prod , staging "])
def test_list_settings_read_commas_and_json(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from opsgraph.agent.settings import Settings

    monkeypatch.setenv("OPSGRAPH_NAMESPACES", value)
    assert Settings().namespaces == ["prod", "staging"]


def test_help_lines_are_never_cut() -> None:
    done = run_cli("--help")
    commands = done.stdout.split("Commands:", 1)[1]
    assert done.returncode == 0 and "..." not in commands


@pytest.mark.slow
def test_deny_that_succeeds_exits_zero_and_approvals_read_as_arguments(cluster_settings: Any) -> None:
    asked = run_cli("ask", "scale checkout in prod to 4", "--json")
    assert asked.returncode == 3
    approval = json.loads(asked.stdout)["approvals"][0]["id"]
    listed = run_cli("approvals")
    assert "k8s_scale name=checkout namespace=prod replicas=4" in listed.stdout and "{" not in listed.stdout
    denied = run_cli("deny", approval)
    assert denied.returncode == 0, denied.stdout + denied.stderr
    assert run_cli("ask", "restart cart in prod", "--deny").returncode == 0


def test_plan_reads_the_saved_sandbox_state_that_ask_would_start_from(isolated_state: Path) -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.sandbox.server import SandboxServer
    from tests.support.k8s import SandboxHandle

    settings = Settings()
    server = SandboxServer(settings.sandbox_dir / "state.json").start()
    try:
        handle = SandboxHandle(server, server.write_kubeconfig(isolated_state / "kubeconfig"))
        handle.apps().patch_namespaced_deployment_scale("checkout", "prod", {"spec": {"replicas": 5}})
    finally:
        server.stop()
    done = run_cli("plan", "add 2 pods to checkout in prod", "--json")
    assert json.loads(done.stdout)["tool_calls"][0]["args"]["replicas"] == 7
