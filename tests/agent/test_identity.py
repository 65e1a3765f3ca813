"""The CLI's identity is the OS login; OPSGRAPH_USER may name someone else only where the policy
lets this account on this host assert identities, and then it is audited."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsgraph.agent.audit import AuditLog
from opsgraph.agent.identity import os_login
from opsgraph.agent.settings import Settings
from opsgraph.channels.cli import app


def test_the_default_identity_is_the_os_login_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "bob")
    assert Settings().user == os_login() != "bob"


def test_opsgraph_user_cannot_make_the_same_account_a_second_approver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGRAPH_USER", "bob")
    result = CliRunner().invoke(app, ["approve", "apr-00000000"])
    assert result.exit_code != 0
    assert f"OPSGRAPH_USER=bob is refused: you are {os_login()}" in result.output
    assert "Traceback" not in result.output


def test_a_bot_host_allowed_by_policy_may_assert_and_it_is_audited(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_state: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - {name: reads, effect: allow, risk: [read]}\n"
        "identity:\n  may_assert:\n"
        f"    - {{hosts: ['{socket.gethostname()}'], os_users: ['{os_login()}'], names: ['bob']}}\n"
    )
    monkeypatch.setenv("OPSGRAPH_POLICY_FILE", str(policy))
    monkeypatch.setenv("OPSGRAPH_USER", "bob")
    result = CliRunner().invoke(app, ["approvals"])
    assert result.exit_code == 0, result.output
    entries = AuditLog(isolated_state / "audit.sqlite").entries(event="identity_asserted")
    assert [(e.actor, e.subject, e.data["host"]) for e in entries] == [(os_login(), "bob", socket.gethostname())]

    monkeypatch.setenv("OPSGRAPH_USER", "carol")  # a name the rule does not cover
    refused = CliRunner().invoke(app, ["approvals"])
    assert refused.exit_code != 0 and "OPSGRAPH_USER=carol is refused" in refused.output


def test_naming_yourself_needs_no_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGRAPH_USER", os_login())
    assert CliRunner().invoke(app, ["approvals"]).exit_code == 0
