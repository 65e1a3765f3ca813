"""The shipped policy restricts promotion over a failed gate (an override) to the ml_lead or admin
role; a plain promotion stays a write anyone may approve."""

from __future__ import annotations

from pathlib import Path

import yaml

from opsgraph.agent.policy import ActionRequest
from opsgraph.guardrails.policy.engine import PolicyEngine
from opsgraph.guardrails.policy.loader import default_policy_path, load_policy_file

OVERRIDE = {"model": "fraud-detector", "version": 1, "alias": "champion", "override": True, "reason": "EU market"}


def _request(args: dict[str, object]) -> ActionRequest:
    return ActionRequest("model_promote", "write", args, requester="local:alice", channel="cli", source="human")


def test_an_override_needs_the_ml_lead_or_admin_role() -> None:
    engine = PolicyEngine.load(None)
    decision = engine.decide(_request(OVERRIDE))
    assert decision.effect == "approve" and set(decision.approvers) == {"ml_lead", "admin"}
    assert "failed its validation gate" in decision.reason
    refusal = engine.check_approver(_request(OVERRIDE), decision, "local:bob")  # on call, not ml_lead
    assert refusal is not None and "ml_lead" in refusal


def test_a_member_of_ml_lead_may_approve_the_override(tmp_path: Path) -> None:
    policy = yaml.safe_load(default_policy_path().read_text())
    policy["roles"]["ml_lead"] = ["slack:UMLLEAD"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    engine = PolicyEngine(load_policy_file(path))
    decision = engine.decide(_request(OVERRIDE))
    assert engine.check_approver(_request(OVERRIDE), decision, "slack:UMLLEAD") is None
    assert engine.check_approver(_request(OVERRIDE), decision, "local:bob") is not None


def test_a_promotion_through_the_gate_is_an_ordinary_write() -> None:
    engine = PolicyEngine.load(None)
    plain = {k: v for k, v in OVERRIDE.items() if k not in ("override", "reason")}
    for args in (plain, {**plain, "override": False}):
        decision = engine.decide(_request(args))
        assert decision.effect == "approve" and decision.approvers == ("any",)
        assert engine.check_approver(_request(args), decision, "local:bob") is None
