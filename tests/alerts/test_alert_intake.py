"""The storm path: the ack waits for the durable store only (group commits), correlation and
incident updates follow in the background, debounced, with bounded queues."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from opsgraph.tools.alerts.intake import Busy
from opsgraph.tools.alerts.pipeline import AlertPipeline
from opsgraph.tools.alerts.store import AlertStore
from tests.support.alertmanager import webhook_payload


def _payload(i: int) -> dict[str, Any]:
    return webhook_payload([{"labels": {"alertname": "PodCrashLooping", "severity": "critical", "namespace": "prod",
                                        "service": "checkout", "pod": f"checkout-{i}"},
                             "startsAt": "2024-05-01T10:00:00Z"}])  # fmt: skip


def test_acks_do_not_wait_for_slow_incident_updates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    real = pipeline.publish

    def slow(touched: set[int]) -> None:  # a huge incident's rebuild
        time.sleep(0.5)
        real(touched)

    monkeypatch.setattr(pipeline, "publish", slow)
    intake = pipeline.intake(update_interval_s=0.05)
    started = time.monotonic()
    acked = [intake.accept(_payload(i), json.dumps(_payload(i))).result(timeout=5) for i in range(20)]
    assert time.monotonic() - started < 0.5  # 20 acks while a single update takes 0.5 s
    assert AlertStore(tmp_path / "alerts.sqlite").payload_count() == 20  # each was committed before its ack
    assert [a.payload_id for a in acked] == sorted(a.payload_id for a in acked)
    assert intake.wait_idle(10)
    assert pipeline.snapshots()[0].alert_count == 20
    intake.close()


def test_a_burst_is_stored_in_group_commits_and_updates_are_debounced(tmp_path: Path) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    published: list[int] = []
    real = pipeline.publish
    pipeline.publish = lambda touched: (published.append(len(touched)), real(touched))[1]  # type: ignore[method-assign]
    updates: list[int] = []
    pipeline.on_incident = lambda snap: updates.append(snap.alert_count)
    intake = pipeline.intake(update_interval_s=0.2)
    futures = []

    def send(start: int) -> None:
        for i in range(start, start + 100):
            futures.append(intake.accept(_payload(i), json.dumps(_payload(i))))

    threads = [threading.Thread(target=send, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(f.result(timeout=10).alerts == 1 for f in futures)
    assert intake.wait_idle(10)
    assert intake.commits < 400  # several payloads share one transaction and one fsync
    assert len(published) < 400 and updates[-1] == 400  # the incident was not rebuilt per payload
    assert max(intake.update_lags) < 2.0
    intake.close()
    reopened = AlertPipeline.open(tmp_path / "alerts.sqlite")  # what a restart replays is the same
    assert reopened.snapshots()[0].alert_count == 400


def test_a_full_inbox_refuses_instead_of_growing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    gate = threading.Event()
    real = pipeline.store.append_many

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.store, "append_many", held)
    intake = pipeline.intake(max_waiting=5, max_batch=1)
    accepted = []
    with pytest.raises(Busy, match="waiting to be stored"):
        for i in range(50):
            accepted.append(intake.accept(_payload(i), json.dumps(_payload(i))))
    gate.set()
    assert all(f.result(timeout=10) for f in accepted) and len(accepted) <= 7
    intake.close()
