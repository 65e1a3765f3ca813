"""Bad bodies get a 4xx (a 5xx makes Alertmanager retry forever), and the size limit holds while
reading: a body over the limit is refused before it is read whole."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from opsgraph.agent.settings import Settings
from opsgraph.channels.webhooks import app as webhook_app
from opsgraph.channels.webhooks.app import create_app
from opsgraph.tools.alerts.store import AlertStore
from tests.support.alertmanager import webhook_payload

URL = "/webhooks/alertmanager"


def _alert(**labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": "X", "severity": "critical", **labels}, "annotations": {},
            "startsAt": "2024-05-01T10:00:00Z"}  # fmt: skip


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (json.dumps(webhook_payload([_alert(pod="web-0")])).replace("web-0", "\\ud800web").encode(), "lone UTF-16"),
        (json.dumps(webhook_payload([_alert()])).replace('"X"', '"\\udfff"').encode(), "lone UTF-16"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "nested too deeply"),
        (
            json.dumps(
                {
                    "version": "4",
                    "alerts": [
                        {"labels": {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}
                    ],
                }
            ).encode(),
            "nested too deeply",
        ),
        (b"\xed\xa0\x80", "not UTF-8"),  # a surrogate encoded as UTF-8 bytes
    ],
)
def test_bad_bodies_are_a_4xx_and_not_stored(content: bytes, reason: str) -> None:
    settings = Settings()
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    response = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert reason in response.json()["error"]
    assert AlertStore(settings.alerts_db).payload_count() == 0


def test_a_paired_surrogate_escape_is_fine() -> None:
    settings = Settings()
    body = json.dumps(webhook_payload([_alert(pod="web-\U0001f525")]))  # json.dumps escapes as \ud83d\udd25
    assert "\\ud83d" in body
    response = TestClient(create_app(settings)).post(URL, content=body.encode())
    assert response.status_code == 200


def _asgi_post(app: Any, chunks: int, chunk_size: int, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST a body of `chunks` pieces straight into the ASGI app; (status, pieces it pulled)."""
    pulled = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * chunk_size, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "method": "POST", "path": URL, "raw_path": URL.encode(), "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000), "root_path": ""}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return status, pulled


def test_an_oversized_body_is_refused_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_app, "MAX_BODY_BYTES", 1024 * 1024)
    app = create_app(Settings())
    status, pulled = _asgi_post(app, chunks=300, chunk_size=64 * 1024, headers=[])  # 18.75 MiB, chunked
    assert status == 413 and pulled <= 17  # stopped just past 1 MiB, never read the rest


def test_a_declared_oversized_body_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_app, "MAX_BODY_BYTES", 1024 * 1024)
    app = create_app(Settings())
    size = str(300 * 1024 * 1024).encode()
    status, pulled = _asgi_post(app, chunks=4800, chunk_size=64 * 1024, headers=[(b"content-length", size)])
    assert status == 413 and pulled == 0
