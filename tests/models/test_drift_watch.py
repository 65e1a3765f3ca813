"""`drift watch` against a real MLflow SQLite registry (the demo models), the real alert store and
the real agent (proposals end as pending approvals)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.alerts.store import AlertStore
from opsgraph.tools.models.settings import ModelsSettings
from opsgraph.tools.models.watch import Proposer, Watcher, WatchState
from opsgraph.tools.models.watch_sinks import StoreSink


def _watcher(state_dir: Path, *, proposer: Proposer | None = None) -> Watcher:
    from opsgraph.tools.models.context import open_store

    settings = Settings()
    models = ModelsSettings()
    return Watcher(
        open_store(settings, models), models, WatchState(state_dir / "models" / "watch-state.json"),
        report_dir=state_dir / "reports", sink=StoreSink(settings), proposer=proposer,
    )  # fmt: skip


def _alerts(state_dir: Path) -> list[tuple[str, str, str]]:
    store = AlertStore(state_dir / "alerts.sqlite")
    try:
        return sorted((a.labels["alertname"], a.labels["model"], a.status) for a in store.alerts(status=None))
    finally:
        store.close()


def _payloads(state_dir: Path) -> int:
    store = AlertStore(state_dir / "alerts.sqlite")
    try:
        return store.payload_count()
    finally:
        store.close()


def test_drift_raises_one_alert_and_a_pending_proposal_and_a_restart_does_not_repeat_it(registry_state: Path) -> None:
    from opsgraph.agent.approvals import ApprovalStore
    from opsgraph.channels.cli._drift_watch import AgentProposer

    first = _watcher(registry_state, proposer=AgentProposer(Settings())).run_once()
    assert [(o.model, o.status, o.dataset_drift, o.alert) for o in first] == [
        ("fraud-detector", "checked", True, "firing")
    ]  # churn-model has no current data configured: not watched
    outcome = first[0]
    assert outcome.drifted == ["amount", "merchant_category"]
    assert outcome.proposal is not None and outcome.proposal["tool"] == "model_retrain"
    assert _alerts(registry_state) == [("ModelDrift", "fraud-detector", "firing")]
    approvals = ApprovalStore(registry_state / "state.sqlite")
    pending = approvals.get(outcome.approval_id or "")
    assert pending is not None and pending.tool == "model_retrain" and pending.status == "pending"

    again = _watcher(registry_state).run_once()  # a restart: fresh objects, same state file
    assert [(o.status, o.alert) for o in again] == [("unchanged", None)]
    assert _payloads(registry_state) == 1


def test_new_data_without_drift_resolves_the_alert_and_new_drift_alerts_again(
    registry_state: Path, tmp_path: Path
) -> None:
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.synthetic import fraud_frame

    store = open_store(Settings(), ModelsSettings())
    drifted_batch = store.current_data("fraud-detector")
    assert _watcher(registry_state).run_once()[0].alert == "firing"
    fresh = tmp_path / "fresh.csv"
    fraud_frame(6000, seed=99).drop(columns=["is_fraud"]).to_csv(fresh, index=False)
    store.set_current_data("fraud-detector", str(fresh))
    calm = _watcher(registry_state).run_once()[0]
    assert (calm.status, calm.dataset_drift, calm.alert) == ("checked", False, "resolved")
    assert _alerts(registry_state) == [("ModelDrift", "fraud-detector", "resolved")]
    store.set_current_data("fraud-detector", str(drifted_batch))
    assert _watcher(registry_state).run_once()[0].alert == "firing"
    assert _payloads(registry_state) == 3


def test_broken_data_is_a_data_check_alert(registry_state: Path, tmp_path: Path) -> None:
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.synthetic import fraud_frame

    frame = fraud_frame(4000, seed=98).drop(columns=["is_fraud"])
    frame.loc[:999, "device_risk"] = None
    broken = tmp_path / "broken.csv"
    frame.to_csv(broken, index=False)
    open_store(Settings(), ModelsSettings()).set_current_data("fraud-detector", str(broken))
    outcome = _watcher(registry_state).run_once()[0]
    assert outcome.alert == "data-checks" and not outcome.dataset_drift
    assert _alerts(registry_state) == [("ModelDataCheckFailed", "fraud-detector", "firing")]


@pytest.mark.slow
def test_the_loop_stops_cleanly_on_sigterm(registry_state: Path) -> None:
    command = [str(Path(sys.executable).parent / "opsgraph"), "drift", "watch", "--interval", "3600", "--json",
               "--no-propose"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first pass is done
        assert '"status": "checked"' in line, line
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - started < 10
        assert proc.stderr is not None and "drift watch stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_rollback_is_proposed_when_the_previous_champion_fits_the_current_data(
    registry_state: Path, tmp_path: Path
) -> None:
    """v3 is trained on the drifted market and made champion; the market returns to what v1 was
    trained on: v3 drifts on it, v1 does not, so the watcher proposes going back to v1."""
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.demo import FRAUD, _register
    from opsgraph.tools.models.synthetic import fraud_frame

    store = open_store(Settings(), ModelsSettings())
    features = [c for c in fraud_frame(1, 0).columns if c != "is_fraud"]
    v3 = _register(store, FRAUD, fraud_frame(6000, 31, drifted=True), fraud_frame(3000, 32, drifted=True),
                   "is_fraud", features, {"estimator": "logistic_regression", "C": 2.0})  # fmt: skip
    store.set_alias(FRAUD, "champion", v3, actor="local:alice", kind="override", note="test")
    calm = tmp_path / "calm.csv"
    fraud_frame(6000, seed=33).drop(columns=["is_fraud"]).to_csv(calm, index=False)
    store.set_current_data(FRAUD, str(calm))
    outcome = _watcher(registry_state).run_once()[0]
    assert outcome.dataset_drift and outcome.alert == "firing"
    assert outcome.proposal is not None
    assert (outcome.proposal["tool"], outcome.proposal["args"]) == ("model_rollback", {"model": FRAUD, "version": 1})


@pytest.mark.slow
def test_with_a_webhook_url_the_alert_reaches_a_running_receivers_incidents(
    registry_state: Path, tmp_path: Path
) -> None:
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.watch_sinks import WebhookSink
    from tests.channels.test_webhooks_serve import serve
    from tests.support.alertmanager import wait_until

    receiver_state = tmp_path / "receiver"
    with serve(receiver_state) as url:
        models = ModelsSettings()
        watcher = Watcher(
            open_store(Settings(), models), models, WatchState(registry_state / "models" / "watch-state.json"),
            report_dir=registry_state / "reports", sink=WebhookSink(f"{url}/webhooks/alertmanager"), proposer=None,
        )  # fmt: skip
        assert watcher.run_once()[0].alert == "firing"

        def incident() -> list[dict[str, object]]:
            store = AlertStore(receiver_state / "alerts.sqlite")
            try:
                return store.incidents()
            finally:
                store.close()

        found = wait_until(incident, 20, "the receiver to open an incident for the drift alert")
    assert "fraud-detector" in json.dumps(found)


def test_an_unreachable_webhook_fails_the_pass_without_marking_the_drift_alerted(registry_state: Path) -> None:
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.watch_sinks import WebhookSink
    from tests.support.processes import free_port

    models = ModelsSettings()
    state = WatchState(registry_state / "models" / "watch-state.json")
    sink = WebhookSink(f"http://127.0.0.1:{free_port()}/webhooks/alertmanager", timeout_s=2)
    watcher = Watcher(open_store(Settings(), models), models, state, report_dir=registry_state / "reports",
                      sink=sink, proposer=None)  # fmt: skip
    failed = watcher.run_once()[0]
    assert failed.status == "error" and "did not take the drift alert" in failed.detail
    assert WatchState(state.path).models.get("fraud-detector", {}).get("episode") is None
    assert _watcher(registry_state).run_once()[0].alert == "firing"  # retried on the next pass
