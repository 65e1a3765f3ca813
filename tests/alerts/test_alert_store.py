"""The alert store and pipeline: durable before acknowledged, incidents rebuilt after a restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from opsgraph.tools.alerts.incidents import IncidentSnapshot
from opsgraph.tools.alerts.payloads import PayloadError
from opsgraph.tools.alerts.pipeline import AlertPipeline
from opsgraph.tools.alerts.store import AlertStore
from tests.alerts.alert_builders import shop
from tests.support.alertmanager import webhook_payload


def crash(labels: dict[str, str], minute: int = 0, status: str = "firing") -> dict[str, Any]:
    return {
        "labels": {"alertname": "PodCrashLooping", "severity": "critical", **labels},
        "startsAt": f"2024-05-01T10:{minute:02d}:00Z",
        "status": status,
    }


def receive(pipeline: AlertPipeline, alerts: list[dict[str, Any]]) -> Any:
    body = webhook_payload(alerts)
    return pipeline.receive(body, json.dumps(body))


def test_a_received_payload_is_committed_before_receive_returns(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite"
    pipeline = AlertPipeline.open(db, shop())
    result = receive(pipeline, [crash({"pod": "cart-0"})])
    # A second, independent connection (another process after a crash would do the same) sees it.
    other = sqlite3.connect(db)
    (count,) = other.execute("SELECT count(*) FROM payloads").fetchone()
    assert count == 1 and result.payload_id == 1
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_restart_replays_the_store_and_rebuilds_the_same_incidents(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite"
    first = AlertPipeline.open(db, shop())
    receive(first, [crash({"pod": "checkout-0"}), crash({"pod": "checkout-1"}, 1)])
    receive(first, [crash({"pod": "search-0"}, 50)])
    before = {s.id: s.alert_count for s in first.snapshots()}
    # No close(): as if the process had been killed.
    second = AlertPipeline.open(db, shop())
    assert {s.id: s.alert_count for s in second.snapshots()} == before
    assert len(before) == 2 and sorted(before.values()) == [1, 2]
    stored = {inc["id"] for inc in AlertStore(db).incidents()}
    assert stored == set(before)


def test_invalid_payload_is_rejected_and_not_stored(tmp_path: Path) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    with pytest.raises(PayloadError, match="version"):
        pipeline.receive({"status": "firing", "alerts": []}, "{}")
    assert pipeline.store.payload_count() == 0


def test_firing_and_resolved_state_is_kept_per_fingerprint(tmp_path: Path) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", shop())
    receive(pipeline, [crash({"pod": "cart-0"}), crash({"pod": "cart-1"})])
    receive(pipeline, [crash({"pod": "cart-0"}, status="resolved") | {"endsAt": "2024-05-01T10:09:00Z"}])
    firing = pipeline.store.alerts("firing")
    assert [a.labels["pod"] for a in firing] == ["cart-1"]
    assert len(pipeline.store.alerts(None)) == 2


def test_on_incident_is_called_when_an_incident_opens_or_grows_and_its_errors_are_contained(
    tmp_path: Path,
) -> None:
    seen: list[tuple[str, int]] = []

    def callback(snap: IncidentSnapshot) -> None:
        seen.append((snap.id, snap.alert_count))
        raise RuntimeError("the agent is down")

    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", shop(), on_incident=callback)
    receive(pipeline, [crash({"pod": "checkout-0"})])
    receive(pipeline, [crash({"pod": "checkout-0"})])  # a re-send: nothing new
    receive(pipeline, [crash({"pod": "checkout-1"}, 1)])
    assert [count for _, count in seen] == [1, 2]
    assert seen[0][0] == seen[1][0]
    assert pipeline.store.payload_count() == 3
