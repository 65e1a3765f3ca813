"""Several replicas on one PostgreSQL database correlate one alert stream (tools.alerts.shared):
alerts of one outage stored through different replicas become one incident, announced once,
by whichever replica leads; when the leader goes, another takes over without announcing again
what was announced, and every replica sees the same incidents."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsgraph.tools.alerts.payloads import parse_webhook
from opsgraph.tools.alerts.pipeline import AlertPipeline
from opsgraph.tools.alerts.shared import SharedPipeline
from tests.support.alertmanager import webhook_payload

START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def outage(i: int, service: str = "checkout", namespace: str = "prod", hours: int = 0) -> dict[str, Any]:
    """Alert `i` of one outage of `service` (a pod crash-looping, a few seconds apart)."""
    at = (START + timedelta(hours=hours, seconds=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": namespace, "service": service,
              "pod": f"{service}-7d9f-{i}"}  # fmt: skip
    return webhook_payload([{"labels": labels, "annotations": {"summary": f"{service} crash looping"}, "startsAt": at}])


class Announcements:
    """Every `on_incident` call of every replica, in order: (replica, incident id, alert count)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    def of(self, replica: str) -> Callable[[Any], None]:
        def record(snapshot: Any) -> None:
            with self._lock:
                self.calls.append((replica, snapshot.id, snapshot.alert_count))

        return record

    def wait(self, predicate: Callable[[list[tuple[str, str, int]]], bool], what: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(list(self.calls)):
                    return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; announcements: {self.calls}")


@pytest.fixture
def replicas(pg_url: str) -> Iterator[tuple[list[SharedPipeline], Announcements]]:
    heard = Announcements()
    opened = [AlertPipeline.open(pg_url, on_incident=heard.of(name)) for name in ("a", "b")]
    pipelines = [p for p in opened if isinstance(p, SharedPipeline)]
    assert len(pipelines) == 2  # PostgreSQL: the shared stream, whoever opens it
    try:
        yield pipelines, heard
    finally:
        for p in pipelines:
            p.close()


def _accept(pipeline: SharedPipeline, document: dict[str, Any]) -> int:
    """What a replica's intake does with a webhook it receives: store it (no correlation here)."""
    _, alerts = parse_webhook(document)
    return pipeline.store.append(json.dumps(document), alerts)


def test_one_outage_received_by_two_replicas_is_one_incident_announced_once(
    replicas: tuple[list[SharedPipeline], Announcements],
) -> None:
    (a, b), heard = replicas
    for i in range(6):
        _accept((a, b)[i % 2], outage(i))
    a.start()
    b.start()
    heard.wait(lambda calls: any(n == 6 for _, _, n in calls), "the incident with all six alerts")
    time.sleep(0.6)  # a second announcement, if any, would come within two update intervals
    assert [p.leader for p in (a, b)].count(True) == 1
    assert len({inc for _, inc, _ in heard.calls}) == 1, heard.calls
    assert len(heard.calls) == 1, heard.calls  # announced once, by the leader only
    # Every replica holds the same incident, whoever received which alert.
    assert [[(s.id, s.alert_count) for s in p.snapshots()] for p in (a, b)] == [[(heard.calls[0][1], 6)]] * 2


def test_the_other_replica_takes_over_and_announces_only_what_is_new(
    replicas: tuple[list[SharedPipeline], Announcements],
) -> None:
    (a, b), heard = replicas
    a.start()
    deadline = time.monotonic() + 10
    while not a.leader and time.monotonic() < deadline:
        time.sleep(0.05)
    assert a.leader
    b.start()
    for i in range(4):
        _accept((a, b)[i % 2], outage(i))
    heard.wait(lambda calls: any(n == 4 for _, _, n in calls), "the outage announced by a")
    first = {inc for _, inc, _ in heard.calls}
    assert {r for r, _, _ in heard.calls} == {"a"}

    a.close()  # the leader goes: its session closes and the lock is free
    deadline = time.monotonic() + 10
    while not b.leader and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.leader
    time.sleep(0.3)
    assert {r for r, _, _ in heard.calls} == {"a"}  # taking over announces nothing already announced
    for i in range(4, 6):
        _accept(b, outage(i))  # two more alerts of the first outage, received by b
    _accept(b, outage(0, service="payments", namespace="billing", hours=2))  # and a new outage
    heard.wait(lambda calls: any(r == "b" for r, _, _ in calls) and any(n == 6 for _, _, n in calls),
               "b announcing after the takeover")  # fmt: skip
    time.sleep(0.6)
    by_b = [(inc, n) for r, inc, n in heard.calls if r == "b"]
    (old,) = first
    # b announces the new incident and the growth of the old one, never the old one at 4 alerts again.
    assert (old, 4) not in by_b and (old, 6) in by_b, heard.calls
    new = {inc for inc, _ in by_b} - first
    assert len(new) == 1 and len(by_b) == 2, heard.calls
    assert b.store.announced()[old] == 6


def test_only_the_leader_edits_posted_incidents(pg_url: str, tmp_path: Any) -> None:
    """A follower may be behind the stream (it reads it by itself); its sweep must not edit the
    incident back to what it last saw ("firing again" after the leader said "resolved")."""
    from opsgraph.channels.slack.config import SlackConfig
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client
    from tests.slack.mock_slack import slack_api

    with slack_api() as api:
        posters = [Poster(web_client("xoxb-1", api.url, 0), tmp_path / f"outbox-{n}.sqlite") for n in "ab"]
        slack = [SlackIncidents(p, SlackConfig(), pg_url, fallback_channel="C0ALL") for p in posters]
        pipelines = [AlertPipeline.open(pg_url, on_incident=s) for s in slack]
        a, b = pipelines
        assert isinstance(a, SharedPipeline) and isinstance(b, SharedPipeline)
        for s, p in zip(slack, pipelines, strict=True):
            s.pipeline = p
        try:
            a.start()  # a leads; b follows only when it steps (here: once, before the resolution)
            for i in range(3):
                _accept((a, b)[i % 2], outage(i))
            api.wait_for(lambda: api.messages(), what="the incident post")
            b.step()
            ended = (START + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for i in range(3):
                resolved = outage(i)
                resolved["alerts"][0] |= {"status": "resolved", "endsAt": ended}
                _accept((a, b)[i % 2], resolved | {"status": "resolved"})
            deadline = time.monotonic() + 10
            while any(s.status != "resolved" for s in a.snapshots()):
                assert time.monotonic() < deadline, "the leader did not see the resolution"
                time.sleep(0.05)
            assert [s.sweep() for s in slack] == [1, 0]  # the leader edits; the follower leaves it
            (post,) = [m for m in api.messages() if "thread_ts" not in m]
            notes = [m["text"] for m in api.thread(post["ts"])]
            assert [n for n in notes if "resolved after" in n] != [] and not [n for n in notes if "firing again" in n]
        finally:
            for p in pipelines:
                p.close()
            for s in slack:
                s.close()
            for poster in posters:
                poster.close()
