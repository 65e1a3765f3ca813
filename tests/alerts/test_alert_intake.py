"""The storm path: the ack waits for the durable store only (group commits), correlation and
incident updates follow in the background: a new incident's first post at once (bounded), later
updates debounced, with bounded queues."""

from __future__ import annotations

import json
import queue
import threading
import time
from datetime import UTC, datetime, timedelta
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


def _new_incident(i: int) -> dict[str, Any]:
    """A payload that opens its own incident (another service, two hours after the previous)."""
    start = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=2 * i)
    return webhook_payload([{"labels": {"alertname": "PodCrashLooping", "severity": "critical", "namespace": "prod",
                                        "service": f"svc-{i}", "pod": f"svc-{i}-0"},
                             "startsAt": start.strftime("%Y-%m-%dT%H:%M:%SZ")}])  # fmt: skip


def _announced(pipeline: AlertPipeline) -> tuple[list[tuple[float, str, int]], threading.Condition]:
    calls: list[tuple[float, str, int]] = []
    seen = threading.Condition()

    def record(snap: Any) -> None:
        with seen:
            calls.append((time.monotonic(), snap.id, snap.alert_count))
            seen.notify_all()

    pipeline.on_incident = record
    return calls, seen


def test_a_new_incident_is_announced_at_once_not_after_the_update_interval(tmp_path: Path) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    calls, seen = _announced(pipeline)
    intake = pipeline.intake(update_interval_s=30.0)  # updates of known incidents: twice a minute
    for i in range(3):  # each its own incident, one after another, as Alertmanager groups arrive
        intake.accept(_new_incident(i), json.dumps(_new_incident(i))).result(timeout=5)
        with seen:
            assert seen.wait_for(lambda: len(calls) == i + 1, timeout=5), "a new incident waited for the interval"  # noqa: B023
    assert [count for _, _, count in calls] == [1, 1, 1] and len({inc for _, inc, _ in calls}) == 3
    stored = {s["id"] for s in AlertStore(tmp_path / "alerts.sqlite").incidents()}
    assert stored == {inc for _, inc, _ in calls}  # saved before announced: `alerts incidents` shows them
    assert intake.wait_idle(5)  # nothing left waiting for the 30 s update
    intake.close()


def test_an_incident_that_stops_being_noise_is_announced_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened by an info alert (noise: channels do not post it), then a critical one joins: that
    is its first post, not an update, so it does not wait for the interval either; the next
    alert is an update again."""
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    announced: queue.Queue[Any] = queue.Queue()
    pipeline.on_incident = announced.put
    at_once: list[bool] = []
    real = pipeline.publish_first

    def first(touched: set[int], limit: int) -> set[int]:
        done = real(touched, limit)
        at_once.append(bool(done))
        return done

    monkeypatch.setattr(pipeline, "publish_first", first)
    intake = pipeline.intake(update_interval_s=30.0)
    snaps = []
    for i, severity in enumerate(("info", "critical", "critical")):
        doc = _payload(i)
        doc["alerts"][0]["labels"]["severity"] = severity
        intake.accept(doc, json.dumps(doc)).result(timeout=5)
        if i < 2:
            try:
                snaps.append(announced.get(timeout=5))
            except queue.Empty:
                raise AssertionError(f"the incident waited for the interval after the {severity} alert") from None
    intake.close()  # runs the pending debounced update
    snaps.append(announced.get(timeout=5))
    assert [(s.noise, s.alert_count) for s in snaps] == [(True, 1), (False, 2), (False, 3)]
    assert len({s.id for s in snaps}) == 1
    assert at_once == [True, True, False]  # the third alert was an update: debounced


def test_updates_of_a_known_incident_are_still_debounced_and_coalesced(tmp_path: Path) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    calls, seen = _announced(pipeline)
    intake = pipeline.intake(update_interval_s=1.0)
    intake.accept(_payload(0), json.dumps(_payload(0))).result(timeout=5)
    with seen:
        assert seen.wait_for(lambda: len(calls) == 1, timeout=5)  # the incident's first post: at once
    futures = [intake.accept(_payload(i), json.dumps(_payload(i))) for i in range(1, 301)]  # a storm on it
    assert all(f.result(timeout=10) for f in futures)
    assert intake.wait_idle(10)
    counts = [count for _, _, count in calls]
    assert counts[0] == 1 and counts[-1] == 301 and len({inc for _, inc, _ in calls}) == 1
    assert len(calls) <= 3  # 300 new alerts, one (or, on a slow machine, two) coalesced updates
    intake.close()


def test_a_storm_of_new_incidents_posts_a_bounded_number_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    calls, _ = _announced(pipeline)
    at_once: list[int] = []
    real = pipeline.publish_first

    def first(touched: set[int], limit: int) -> set[int]:
        done = real(touched, limit)
        at_once.append(len(done))
        return done

    monkeypatch.setattr(pipeline, "publish_first", first)
    intake = pipeline.intake(update_interval_s=0.3, max_first_posts=4)
    futures = [intake.accept(_new_incident(i), json.dumps(_new_incident(i))) for i in range(60)]
    assert all(f.result(timeout=10) for f in futures)
    assert intake.wait_idle(10)
    assert max(at_once) <= 4  # bounded work per publish, whatever the batch held
    assert sorted(count for _, _, count in calls) == [1] * 60 and len({inc for _, inc, _ in calls}) == 60
    intake.close()


def test_slow_first_posts_give_way_to_the_debounced_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    calls, _ = _announced(pipeline)
    real = pipeline.publish_first
    slow: list[float] = []

    def first(touched: set[int], limit: int) -> set[int]:  # e.g. a database that takes its time
        slow.append(time.monotonic())
        time.sleep(0.2)
        return real(touched, limit)

    monkeypatch.setattr(pipeline, "publish_first", first)
    intake = pipeline.intake(update_interval_s=0.3, max_batch=1)  # one correlator pass per payload
    started = time.monotonic()
    futures = [intake.accept(_new_incident(i), json.dumps(_new_incident(i))) for i in range(40)]
    assert all(f.result(timeout=10) for f in futures)
    assert intake.wait_idle(20)
    # 40 first posts of 0.2 s each would hold the correlator 8 s; a third of each 0.3 s window
    # allows one, the rest go out with the debounced updates.
    assert len(slow) <= (time.monotonic() - started) / 0.3 + 2 and len(slow) < 20
    assert sorted(count for _, _, count in calls) == [1] * 40 and len({inc for _, inc, _ in calls}) == 40
    intake.close()


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


def test_a_burst_is_stored_in_group_commits_and_updates_are_debounced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    published: list[int] = []
    real = pipeline.publish

    def publish(touched: set[int]) -> None:
        published.append(len(touched))
        real(touched)

    monkeypatch.setattr(pipeline, "publish", publish)
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
