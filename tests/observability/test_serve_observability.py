"""`opsgraph serve` as a process: JSON log lines on stderr that carry the caller's request id
(uvicorn's access log included), /readyz and /metrics answering on the same port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.alertmanager import wait_until, webhook_payload
from tests.support.cli import OPSGRAPH
from tests.support.processes import free_port


@pytest.mark.slow
def test_serve_logs_json_with_the_request_id_and_serves_readyz_and_metrics(
    isolated_state: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "OPSGRAPH_STATE_DIR": str(isolated_state)}
    with log.open("w") as sink:
        process = subprocess.Popen(
            [OPSGRAPH, "serve", "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, "opsgraph serve to answer /healthz")
        alert = {"labels": {"alertname": "Down", "service": "api"}, "startsAt": "2024-05-01T10:00:00Z"}
        posted = httpx.post(f"{url}/webhooks/alertmanager", json=webhook_payload([alert]),
                            headers={"X-Request-ID": "am-req-77"}, timeout=10)  # fmt: skip
        assert posted.status_code == 200 and posted.headers["x-request-id"] == "am-req-77"
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        metrics = httpx.get(f"{url}/metrics", timeout=10).text
        names = {f.name for f in text_string_to_metric_families(metrics)}
        assert {"opsgraph_alerts_received", "opsgraph_turns", "opsgraph_queue_depth"} <= names
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert entries, log.read_text()
    access = [e for e in entries if e["logger"] == "uvicorn.access" and "/webhooks/alertmanager" in e["msg"]]
    assert access and access[0]["request_id"] == "am-req-77"
    assert all(e.keys() >= {"ts", "level", "logger", "msg", "request_id"} for e in entries)
    non_json = [line for line in log.read_text().splitlines() if line.strip() and not line.startswith("{")]
    assert non_json == []
