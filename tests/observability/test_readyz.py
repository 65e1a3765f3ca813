"""/healthz says the process is alive; /readyz says whether it may take traffic, and why not."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from opsgraph.agent.settings import Settings
from opsgraph.channels.webhooks.app import create_app
from opsgraph.channels.webhooks.health import _queue


def test_ready_on_the_embedded_defaults() -> None:
    with TestClient(create_app(Settings())) as client:
        answer = client.get("/readyz")
        assert client.get("/healthz").json() == {"status": "ok"}
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "policy": True, "receiver_queue": True,
    }  # fmt: skip


def test_a_broken_policy_file_is_not_ready_and_names_the_line(tmp_path: Path, monkeypatch: Any) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("roles:\n  oncall: [local:alice\n")  # unclosed list
    monkeypatch.setenv("OPSGRAPH_POLICY_FILE", str(policy))
    with TestClient(create_app(Settings())) as client:
        answer = client.get("/readyz")
        alive = client.get("/healthz")
    assert answer.status_code == 503 and alive.status_code == 200
    check = answer.json()["checks"]["policy"]
    assert check["ok"] is False and "policy.yaml" in check["detail"]


def test_an_alert_store_that_stopped_answering_is_not_ready() -> None:
    app = create_app(Settings(), background=False)
    with TestClient(app) as client:
        app.state.pipeline.store.close()
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"]["ok"] is False


class _Intake:
    """Only what the readiness check reads of the storm intake: its bounded inbox."""

    def __init__(self, waiting: int, size: int) -> None:
        self._inbox: queue.Queue[int] = queue.Queue(maxsize=size)
        for i in range(waiting):
            self._inbox.put(i)


def test_a_nearly_full_receiver_queue_is_not_ready() -> None:
    assert _queue(_Intake(8, 10)).ok
    full = _queue(_Intake(9, 10))
    assert not full.ok and "9 of 10" in full.detail
