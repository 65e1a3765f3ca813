"""kill -9 of `opsgraph approve` at many points while a deploy or restart waits for its rollout.

After each kill, the next start must account for every write on the cluster ("executed" or
"reconciled: landed" in the audit log, for that approval), leave nothing "executing", keep the
audit chain intact, and leave an unrun approval either still pending (killed before the
decision) or interrupted and retryable once, never consumed and lost.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.service import Agent, AgentRequest
from opsgraph.agent.settings import Settings
from tests.support.cli import OPSGRAPH

pytestmark = pytest.mark.slow

KILLS = 14  # half at random times after the process starts, half after its write-ahead record


@pytest.fixture
def slow_rollouts(tmp_path: Path, isolated_state: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A sandbox whose rollouts take about a second of wall time, so kills land mid-rollout."""
    from opsgraph.sandbox.server import SandboxServer
    from tests.support.k8s import SandboxHandle

    server = SandboxServer(tmp_path / "sandbox" / "state.json", time_scale=0.1).start()
    kubeconfig = server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig")
    monkeypatch.setenv("OPSGRAPH_CLUSTER", "kubeconfig")
    monkeypatch.setenv("OPSGRAPH_KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("OPSGRAPH_ROLLOUT_TIMEOUT_S", "30")
    try:
        yield SandboxHandle(server, kubeconfig)
    finally:
        server.stop()


def _template(sandbox: Any, name: str) -> tuple[str, str | None]:
    spec = sandbox.apps().read_namespaced_deployment(name, "staging").spec.template
    annotations = spec.metadata.annotations or {}
    return spec.spec.containers[0].image, annotations.get("kubectl.kubernetes.io/restartedAt")


def _kill_at(approval_id: str, settings: Settings, rng: random.Random, after_write_ahead: bool) -> None:
    from opsgraph.agent.approvals import ApprovalStore

    proc = subprocess.Popen([OPSGRAPH, "approve", approval_id, "--json"], env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    store = ApprovalStore(settings.state_db)
    try:
        if after_write_ahead:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                current = store.get(approval_id)
                if current is not None and current.status == "executing":
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 1.2))
        else:
            time.sleep(rng.uniform(0.2, 4.0))
    finally:
        store.close()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_kill_9_at_many_points_never_loses_a_write_or_an_approval(slow_rollouts: Any) -> None:
    rng = random.Random(10)
    settings = Settings()
    outcomes: dict[str, int] = {}
    found: list[str] = []
    for i in range(KILLS):
        deploy = i % 2 == 0
        name = "checkout" if deploy else "cart"
        text = f"deploy checkout 1.{i}.0 in staging" if deploy else "restart cart in staging"
        agent = Agent(settings)
        asked = agent.handle(AgentRequest(text=text, user="alice"))
        assert asked.status == "needs_approval", asked.reply
        approval_id = asked.approvals[0].id
        agent.close()
        before = _template(slow_rollouts, name)

        _kill_at(approval_id, settings, rng, after_write_ahead=i % 4 >= 2)

        restarted = Agent(settings)  # the next start reconciles
        after = _template(slow_rollouts, name)
        changed = after != before
        approval = restarted.approvals.get(approval_id)
        assert approval is not None and approval.status != "executing"
        trail = {e.event for e in restarted.audit.entries() if e.data.get("approval") == approval_id}
        reconciled = [e.data for e in restarted.audit.entries() if e.event == "reconciled"
                      and e.data.get("approval") == approval_id]  # fmt: skip
        found += [r["found"] for r in reconciled]
        if changed:
            assert "executed" in trail or (reconciled and reconciled[0]["found"] == "landed"), (i, trail)
            assert approval.status == "executed"
        else:
            assert approval.status in ("pending", "approved", "interrupted"), (i, approval.status)
        if approval.status == "interrupted":
            listed = {p.id: p.status for p in restarted.pending_approvals()}
            assert listed[approval_id] == "interrupted"
            retried = restarted.decide(approval_id, approve=True, by="bob")
            assert retried.status == "done", retried.reply
            assert _template(slow_rollouts, name) != before
            assert restarted.decide(approval_id, approve=True, by="bob").status != "done"
        elif approval.status in ("pending", "approved"):  # killed before it was consumed
            finished = restarted.decide(approval_id, approve=True, by="bob")
            assert finished.status == "done", finished.reply
            assert _template(slow_rollouts, name) != before
        outcomes[approval.status] = outcomes.get(approval.status, 0) + 1
        report = restarted.audit.verify()
        assert report.ok, report.reason
        restarted.close()
    print("kill outcomes:", outcomes, "reconciled:", found)
    # The kill points reached both sides of the write: some ran, some were cut before the change.
    assert outcomes.get("executed", 0) >= 1 and sum(outcomes.values()) == KILLS, outcomes
