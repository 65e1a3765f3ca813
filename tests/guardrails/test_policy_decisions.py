"""The action policy: a table of decisions, approver rules, and invalid files named by line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgraph.agent.policy import ActionRequest, Decision
from opsgraph.guardrails.policy import PolicyEngine, PolicyError, load_policy_file

TEAM_POLICY = """
version: 1
roles:
  oncall: ["slack:UONCALL1", "slack-group:SONCALL", "local:alice"]
  admin: ["local:root"]
namespaces:
  allowed: [prod, staging, ml]
  environments:
    production: [prod, ml]
    staging: [staging]
rules:
  - {name: no-prod-zero, effect: deny, tools: [k8s_scale], environments: [production], when: {replicas: 0},
     reason: scaling production to zero takes it offline}
  - {name: no-ns-delete, effect: deny, tools: ["*delete_namespace*"], reason: namespaces are never deleted from chat}
  - {name: reads, effect: allow, risk: [read], reason: read-only}
  - {name: big-scale, effect: approve, tools: [k8s_scale], when: {replicas: {gt: 50}}, approvers: [admin],
     reason: scaling beyond 50 replicas}
  - {name: destructive, effect: approve, risk: [destructive], approvers: [oncall, admin], two_person: true,
     reason: destructive action}
  - {name: prod-writes, effect: approve, risk: [write], environments: [production], approvers: [oncall],
     reason: prod write}
  - {name: staging-writes, effect: allow, risk: [write], environments: [staging], reason: staging is self-service}
rate_limits:
  writes_per_user: {count: 2, per_seconds: 3600}
"""


@pytest.fixture
def engine(tmp_path: Path) -> PolicyEngine:
    path = tmp_path / "policy.yaml"
    path.write_text(TEAM_POLICY)
    return PolicyEngine.load(path, tmp_path / "state.sqlite")


def req(tool: str, risk: str, source: str = "human", who: str = "alice", **args: object) -> ActionRequest:
    return ActionRequest(tool=tool, risk=risk, args=dict(args), requester=who, channel="cli", source=source)


DECISIONS = [
    (req("k8s_status", "read", namespace="prod"), "allow", "allowed: read-only"),
    (req("k8s_logs", "read", namespace="staging", name="cart"), "allow", "allowed: read-only"),
    (
        req("k8s_scale", "write", namespace="prod", name="checkout", replicas=5),
        "approve",
        "needs approval by oncall: prod write",
    ),
    (
        req("k8s_scale", "write", namespace="prod", name="checkout", replicas=0),
        "deny",
        "denied: scaling production to zero takes it offline",
    ),
    (
        req("k8s_scale", "write", namespace="staging", name="checkout", replicas=0),
        "allow",
        "allowed: staging is self-service",
    ),
    (
        req("k8s_scale", "write", namespace="staging", name="cart", replicas=80),
        "approve",
        "needs approval by admin: scaling beyond 50 replicas",
    ),
    (
        req("k8s_deploy", "write", namespace="ml", name="vllm-qwen", image="0.6"),
        "approve",
        "needs approval by oncall: prod write",
    ),
    (
        req("k8s_restart", "write", namespace="kube-system", name="coredns"),
        "deny",
        "denied: namespace kube-system is not allowed by policy",
    ),
    (
        req("k8s_delete_namespace", "destructive", namespace="staging"),
        "deny",
        "denied: namespaces are never deleted from chat",
    ),
    (
        req("model_rollback", "destructive", model="fraud"),
        "approve",
        "needs approval by oncall, admin: destructive action",
    ),
    # Proposed while answering an alert: never runs without a person, even where it would.
    (
        req("k8s_restart", "write", source="alert", namespace="staging", name="cart"),
        "approve",
        "needs approval by anyone: staging is self-service; proposed from untrusted content (an alert or tool output)",
    ),
    (req("k8s_status", "read", source="alert", namespace="prod"), "allow", "allowed: read-only"),
    # No rule matches: fail closed.
    (
        req("k8s_scale", "write", namespace=None, name="x", replicas=1),
        "deny",
        "denied: no policy rule allows this action",
    ),
]


@pytest.mark.parametrize(("request_", "effect", "reason"), DECISIONS, ids=[d[2][:50] for d in DECISIONS])
def test_decision_table(engine: PolicyEngine, request_: ActionRequest, effect: str, reason: str) -> None:
    decision = engine.decide(request_)
    assert (decision.effect, decision.reason) == (effect, reason)


APPROVERS = [
    # (decision approvers, two_person, requester, approver, groups, refused?)
    (("oncall",), False, "bob", "alice", (), False),
    (("oncall",), False, "bob", "slack:UONCALL1", (), False),
    (("oncall",), False, "bob", "slack:URANDOM", ("slack-group:SONCALL",), False),
    (("oncall",), False, "bob", "slack:URANDOM", (), True),
    (("oncall",), False, "bob", "mallory", (), True),
    (("admin",), False, "alice", "alice", (), True),  # alice is oncall, not admin
    (("oncall", "admin"), True, "alice", "alice", (), True),  # own destructive action
    (("oncall", "admin"), True, "alice", "root", (), False),
    (("any",), False, "alice", "alice", (), False),
]


@pytest.mark.parametrize(("approvers", "two_person", "requester", "approver", "groups", "refused"), APPROVERS)
def test_approver_rules(
    engine: PolicyEngine,
    approvers: tuple[str, ...],
    two_person: bool,
    requester: str,
    approver: str,
    groups: tuple[str, ...],
    refused: bool,
) -> None:
    decision = Decision("approve", "needs approval", approvers, two_person)
    reason = engine.check_approver(req("k8s_scale", "write", who=requester), decision, approver, groups)
    assert (reason is not None) == refused, reason


def test_rate_limit_counts_executed_writes(engine: PolicyEngine) -> None:
    write = req("k8s_scale", "write", namespace="prod", name="cart", replicas=3)
    engine.record_execution(write)
    engine.record_execution(write)
    decision = engine.decide(write)
    assert decision.effect == "deny" and "rate limit" in decision.reason
    assert engine.decide(req("k8s_status", "read", namespace="prod")).effect == "allow"
    assert (
        engine.decide(req("k8s_scale", "write", who="bob", namespace="prod", name="cart", replicas=3)).effect
        == "approve"
    )


def test_shipped_default_policy_is_valid_and_lets_the_demo_user_approve(tmp_path: Path) -> None:
    engine = PolicyEngine.load(None, tmp_path / "s.sqlite")
    decision = engine.decide(req("k8s_scale", "write", who="dev", namespace="prod", name="cart", replicas=4))
    assert decision.effect == "approve" and decision.reason == "needs approval by oncall: prod write"
    assert engine.check_approver(req("k8s_scale", "write", who="dev"), decision, "dev") is None
    zero = engine.decide(req("k8s_scale", "write", namespace="prod", name="cart", replicas=0))
    assert zero.effect == "deny"


BAD_FILES = [
    ("version: 1\nrules:\n  - name: x\n    effect: maybe\n", 4, "effect"),
    (
        "version: 1\nroles: {oncall: []}\nrules:\n  - {name: w, effect: approve, approvers: [sre]}\n",
        4,
        "unknown role 'sre'",
    ),
    ("version: 1\nrules:\n  - {name: w, effect: approve}\n", 3, "needs approvers"),
    ("version: 2\nrules: [{name: r, effect: allow}]\n", 1, "version"),
    (
        "version: 1\nrules:\n  - {name: r, effect: allow, environments: [prod]}\n",
        3,
        "unknown environment 'prod'",
    ),
    (
        "version: 1\nrules:\n  - name: r\n    effect: deny\n    when: {replicas: {about: 3}}\n",
        5,
        "unknown operator",
    ),
    ("version: 1\nrules: [\n", 3, "not valid YAML"),
    ("version: 1\nrules: []\n", 2, "at least 1"),
    ("version: 1\nrulez: []\nrules: [{name: r, effect: allow}]\n", 2, "rulez"),
]


@pytest.mark.parametrize(("content", "line", "words"), BAD_FILES)
def test_invalid_policy_names_the_line_and_reason(tmp_path: Path, content: str, line: int, words: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(textwrap.dedent(content))
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert str(caught.value).startswith(f"{path}:{line}:"), str(caught.value)
    assert words in str(caught.value)


def test_cli_refuses_to_start_with_an_invalid_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from opsgraph.channels.cli import app

    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\nrules:\n  - {name: w, effect: approve}\n")
    monkeypatch.setenv("OPSGRAPH_POLICY_FILE", str(path))
    result = CliRunner().invoke(app, ["approvals"])
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output and "needs approvers" in result.output
    assert "Traceback" not in result.output
