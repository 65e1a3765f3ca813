"""Approvals are bound to one exact action, expire, and are consumed at most once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.tools.errors import ApprovalInvalid
from opsgraph.tools.registry import action_hash

ARGS = {"name": "checkout", "namespace": "prod", "replicas": 5}
DIFF = "deployment prod/checkout\n  replicas: 3 -> 5"


@pytest.fixture
def store(tmp_path: Path) -> ApprovalStore:
    return ApprovalStore(tmp_path / "state.sqlite")


def _create(store: ApprovalStore, ttl: float = 60) -> str:
    return store.create(
        thread_id="t1",
        tool="k8s_scale",
        args=ARGS,
        diff=DIFF,
        action_hash=action_hash("k8s_scale", ARGS, DIFF),
        risk="write",
        requester="alice",
        reason="needs approval",
        ttl_s=ttl,
    ).id


def test_approved_action_is_consumed_once(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, approve=True, by="bob")
    store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")
    with pytest.raises(ApprovalInvalid, match="already used"):
        store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


@pytest.mark.parametrize(
    ("tool", "args", "diff"),
    [
        ("k8s_scale", {**ARGS, "replicas": 50}, DIFF),  # a changed argument
        ("k8s_scale", {**ARGS, "namespace": "staging"}, DIFF),
        ("k8s_restart", ARGS, DIFF),  # a different tool
        ("k8s_scale", ARGS, "deployment prod/checkout\n  replicas: 4 -> 5"),  # the cluster moved on
    ],
)
def test_approval_does_not_cover_a_different_action(store: ApprovalStore, tool: str, args: dict, diff: str) -> None:
    approval_id = _create(store)
    store.decide(approval_id, approve=True, by="bob")
    with pytest.raises(ApprovalInvalid, match="different action"):
        store.consume(approval_id, action_hash(tool, args, diff), actor="alice")
    # The genuine action is still allowed afterwards.
    store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


def test_expired_approval_cannot_be_decided_or_used(store: ApprovalStore) -> None:
    approval_id = _create(store, ttl=0.05)
    time.sleep(0.1)
    with pytest.raises(ApprovalInvalid, match="expired"):
        store.decide(approval_id, approve=True, by="bob")


def test_approval_expiring_after_decision_cannot_run(store: ApprovalStore) -> None:
    approval_id = _create(store, ttl=0.2)
    store.decide(approval_id, approve=True, by="bob")
    time.sleep(0.3)
    with pytest.raises(ApprovalInvalid, match="expired"):
        store.consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


def test_denied_and_pending_approvals_cannot_run(store: ApprovalStore) -> None:
    pending = _create(store)
    with pytest.raises(ApprovalInvalid, match="not been approved"):
        store.consume(pending, action_hash("k8s_scale", ARGS, DIFF), actor="alice")
    store.decide(pending, approve=False, by="bob")
    with pytest.raises(ApprovalInvalid, match="denied by bob"):
        store.consume(pending, action_hash("k8s_scale", ARGS, DIFF), actor="alice")


def test_concurrent_consumers_run_it_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    approval_id = _create(ApprovalStore(path))
    ApprovalStore(path).decide(approval_id, approve=True, by="bob")
    wins: list[int] = []

    def attempt() -> None:
        try:
            ApprovalStore(path).consume(approval_id, action_hash("k8s_scale", ARGS, DIFF), actor="x")
            wins.append(1)
        except ApprovalInvalid:
            pass

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
