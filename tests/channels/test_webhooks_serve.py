"""`opsgraph serve` as a real process: acknowledged alerts survive `kill -9` and a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.alertmanager import wait_until, webhook_payload
from tests.support.processes import free_port

OPSGRAPH = [str(Path(sys.executable).parent / "opsgraph")]


@contextmanager
def serve(state: Path, *extra: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "OPSGRAPH_STATE_DIR": str(state)}
    process = subprocess.Popen(
        [*OPSGRAPH, "serve", "--port", str(port), "--log-level", "warning", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"opsgraph serve exited: {process.stdout.read().decode() if process.stdout else ''}")
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, "opsgraph serve to answer /healthz")
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)  # no graceful shutdown: the worst case
        process.wait(timeout=10)


@pytest.mark.slow
def test_acknowledged_alerts_survive_kill_9_and_restart(isolated_state: Path) -> None:
    alerts = [
        {
            "labels": {
                "alertname": "PodCrashLooping",
                "pod": f"api-{i}",
                "service": "api",
                "severity": "critical",
            },
            "startsAt": "2024-05-01T10:00:00Z",
        }
        for i in range(3)
    ]
    with serve(isolated_state) as url:
        acks = [httpx.post(f"{url}/webhooks/alertmanager", json=webhook_payload([a]), timeout=10) for a in alerts]
        assert [r.status_code for r in acks] == [200, 200, 200]
    with serve(isolated_state) as url:
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        assert "opsgraph_incidents_open 1" in metrics
    from opsgraph.tools.alerts.store import AlertStore

    incident = AlertStore(isolated_state / "alerts.sqlite").incidents()[0]["id"]  # the replay saved it
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.registry import load_builtin_tools

    shown = load_builtin_tools().call("incident_show", {"id": incident}, ToolContext(Settings(), actor="t"))
    assert shown.ok and shown.data["alert_count"] == 3


def test_serve_with_a_bad_topology_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "topology.yaml"
    bad.write_text("nodes: [{id: a, kind: planet}]\n")
    result = subprocess.run([*OPSGRAPH, "serve", "--topology", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error:") and "topology.yaml" in line and "nodes.0.kind" in line
