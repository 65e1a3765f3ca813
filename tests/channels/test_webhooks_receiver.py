"""The Alertmanager receiver over HTTP: 2xx only once stored, 4xx with a reason, health, metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from opsgraph.agent.settings import Settings
from opsgraph.channels.webhooks.app import create_app
from opsgraph.tools.alerts.incidents import IncidentSnapshot
from opsgraph.tools.alerts.pipeline import AlertPipeline
from opsgraph.tools.alerts.store import AlertStore
from tests.support.alertmanager import webhook_payload

URL = "/webhooks/alertmanager"


def alert(name: str = "PodCrashLooping", **labels: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": name, "severity": "critical", "namespace": "prod", **labels},
        "annotations": {"summary": "crash loop"},
        "startsAt": "2024-05-01T10:00:00Z",
        "fingerprint": None,
    }


@pytest.fixture
def settings() -> Settings:
    return Settings()


def test_valid_payload_is_stored_then_acknowledged(settings: Settings) -> None:
    app = create_app(settings)
    client = TestClient(app)
    response = client.post(URL, json=webhook_payload([alert(pod="cart-0"), alert(pod="cart-1")]))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "stored" and body["alerts"] == 2
    # Another connection to the store finds the payload: it was committed before the 200.
    assert AlertStore(settings.alerts_db).payload_count() == 1
    # Correlation follows in the background, within the update interval.
    assert app.state.intake.wait_idle(5)
    assert sum(s.alert_count for s in app.state.pipeline.snapshots()) == 2
    assert AlertStore(settings.alerts_db).incidents()


def test_without_background_the_ack_names_the_incidents(settings: Settings) -> None:
    client = TestClient(create_app(settings, background=False))
    body = client.post(URL, json=webhook_payload([alert(pod="cart-0")])).json()
    assert body["status"] == "stored" and len(body["incidents"]) == 1


@pytest.mark.parametrize(
    ("content", "status", "reason"),
    [
        (b"{not json", 400, "body is not valid JSON"),
        (b"\xff\xfe", 400, "body is not valid JSON"),
        (json.dumps({"version": "4", "status": "firing"}).encode(), 422, "alerts: Field required"),
        (
            json.dumps(webhook_payload([alert()], version="2")).encode(),
            422,
            "unsupported webhook version '2'",
        ),
        (json.dumps(webhook_payload([{"labels": {}}])).encode(), 422, "alerts.0.labels"),
        (json.dumps([alert()]).encode(), 422, "expected a JSON object"),
    ],
)
def test_bad_payloads_get_a_4xx_with_the_reason_and_are_not_stored(
    settings: Settings, content: bytes, status: int, reason: str
) -> None:
    client = TestClient(create_app(settings))
    response = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert AlertStore(settings.alerts_db).payload_count() == 0


def test_a_crash_after_the_ack_loses_nothing_and_restart_rebuilds_incidents(settings: Settings) -> None:
    first = TestClient(create_app(settings))
    ids = [first.post(URL, json=webhook_payload([alert(pod=f"web-{i}", service="web")])).json() for i in range(3)]
    assert all(r["status"] == "stored" for r in ids)
    # The first app is dropped without any shutdown (as if killed); a new one opens the same store.
    second = create_app(settings)
    snaps = second.state.pipeline.snapshots()
    assert sum(s.alert_count for s in snaps) == 3
    assert {s.id for s in snaps} >= set(ids[-1]["incidents"])


def test_payload_is_stored_even_when_correlation_then_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug in the correlator")

    monkeypatch.setattr(pipeline.correlator, "ingest", broken)
    app = create_app(pipeline=pipeline)
    client = TestClient(app, raise_server_exceptions=False)
    # Acknowledging is decoupled from correlating: the ack only needs the durable store.
    assert client.post(URL, json=webhook_payload([alert(pod="x-0")])).status_code == 200
    assert app.state.intake.wait_idle(5)
    assert pipeline.store.payload_count() == 1  # stored first: replayed and correlated on restart
    monkeypatch.undo()
    assert AlertPipeline.open(tmp_path / "alerts.sqlite").snapshots()[0].alert_count == 1


def test_on_incident_hook_sees_new_and_growing_incidents(settings: Settings) -> None:
    seen: list[IncidentSnapshot] = []
    app = create_app(settings, on_incident=seen.append)
    client = TestClient(app)
    for payload in (
        [alert(pod="api-0", service="api")],
        [alert(pod="api-0", service="api")],  # re-send
        [alert("HighLatency", pod="api-1", service="api")],
    ):
        client.post(URL, json=webhook_payload(payload))
        assert app.state.intake.wait_idle(5)
    assert [s.alert_count for s in seen] == [1, 2]


def test_healthz_and_prometheus_metrics(settings: Settings) -> None:
    client = TestClient(create_app(settings))
    assert client.get("/healthz").json() == {"status": "ok"}
    client.post(URL, json=webhook_payload([alert(pod="a-0"), alert(pod="b-0")]))
    client.post(URL, content=b"nope")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert "opsgraph_alerts_received_total 2" in text
    assert 'opsgraph_webhook_payloads_total{outcome="stored"} 1' in text
    assert 'opsgraph_webhook_payloads_total{outcome="rejected"} 1' in text
    assert "opsgraph_incidents_open " in text
    assert 'opsgraph_alert_processing_seconds_bucket{le="+Inf"} 1' in text
    assert "opsgraph_alert_processing_seconds_count 1" in text
    assert client.get(URL).status_code == 405
