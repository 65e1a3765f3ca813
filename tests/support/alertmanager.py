"""Test support: a real Alertmanager wired to a real `opsgraph serve` app, both on loopback.

- `serve_app(app)`: run an ASGI app under uvicorn in a thread on a free 127.0.0.1 port.
- `run_alertmanager(webhook_url, workdir)`: start `prometheus-alertmanager` (Debian package; `make
  test` installs it) with a temp config whose webhook receiver is `webhook_url`, short
  group_wait / group_interval, no cluster gossip, its own storage path; stop it afterwards.
- fixtures `alertmanager_binary` (skips with a clear message when absent) and
  `alertmanager_pipeline` (the pair, started and stopped around one test).
- `webhook_payload(...)`: a webhook v4 body as Alertmanager sends it, for receiver tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import free_port, stop_process

ALERTMANAGER_NAMES = ("prometheus-alertmanager", "alertmanager")
DEBIAN_PATH = Path("/usr/bin/prometheus-alertmanager")


def find_alertmanager() -> str | None:
    for name in ALERTMANAGER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return str(DEBIAN_PATH) if DEBIAN_PATH.exists() else None


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a background thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="opsgraph-serve", daemon=True)
    thread.start()
    wait_until(lambda: server.started, 15, "opsgraph serve to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass(frozen=True)
class RunningAlertmanager:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5)
        assert response.status_code == 200, response.text

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def alertmanager_config(webhook_url: str) -> str:
    return json.dumps(
        {
            "route": {
                "receiver": "opsgraph",
                "group_by": ["alertname"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            },
            "receivers": [{"name": "opsgraph", "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}],
        }
    )


@contextmanager
def run_alertmanager(binary: str, webhook_url: str, workdir: Path) -> Iterator[RunningAlertmanager]:
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"  # JSON is valid YAML
    config.write_text(alertmanager_config(webhook_url))
    port = free_port()
    log_path = workdir / "alertmanager.log"
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=info",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    running = RunningAlertmanager(f"http://127.0.0.1:{port}", process, log_path)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"alertmanager exited with {process.returncode}:\n{running.log()}")
            try:
                return httpx.get(f"{running.url}/-/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 20, "alertmanager to become ready")
        yield running
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def alertmanager_binary() -> str:
    binary = find_alertmanager()
    if binary is None:
        pytest.skip("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager, or make test)")
    return binary


@dataclass(frozen=True)
class AlertmanagerPipeline:
    alertmanager: RunningAlertmanager
    opsgraph_url: str
    app: Any


@pytest.fixture
def alertmanager_pipeline(alertmanager_binary: str, tmp_path: Path) -> Iterator[AlertmanagerPipeline]:
    """A real Alertmanager whose webhook receiver is a running `opsgraph serve` app."""
    from opsgraph.agent.settings import Settings
    from opsgraph.channels.webhooks.app import create_app

    app = create_app(Settings())
    with (
        serve_app(app) as base_url,
        run_alertmanager(alertmanager_binary, f"{base_url}/webhooks/alertmanager", tmp_path / "alertmanager") as am,
    ):
        yield AlertmanagerPipeline(am, base_url, app)


def webhook_payload(alerts: list[dict[str, Any]], status: str = "firing", **extra: Any) -> dict[str, Any]:
    """A webhook v4 body shaped like Alertmanager's, around `alerts` (v2-style dicts)."""
    body = {
        "version": "4",
        "groupKey": '{}:{alertname="test"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "opsgraph",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": status, "annotations": {}, "endsAt": "0001-01-01T00:00:00Z", **a} for a in alerts],
    }
    body.update(extra)
    return body
