"""No store or log keeps a secret in the clear (issue 10 item 4): LangGraph checkpoints, the alert
store (payloads, alerts, incidents) and uvicorn's access log pass the redactor; REPL history is
covered in tests/channels/test_repl_resilience.py. The state directory is private (0700)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from opsgraph.agent.service import Agent, AgentRequest

PLANTED = {
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789": "github token",
    "xoxb-123456789012-abcdefghijklmn": "slack token",
    "sk-proj-abcdefghijklmnopqrstuvwx": "openai key",
    "AKIAIOSFODNN7EXAMPLE": "aws access key",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "aws secret key",
    "Hunter2zz": "redis password",
    "Pz9secretval": "env password",
    "S3cretQQ": "mysql password",
    "9f8e7d6c5b4a3210ff": "authorization token",
}
TEXT = (
    "status of checkout in staging; keys: ghp_abcdefghijklmnopqrstuvwxyz0123456789 "
    "xoxb-123456789012-abcdefghijklmn sk-proj-abcdefghijklmnopqrstuvwx "
    "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY redis://:Hunter2zz@cache:6379 "
    "DB_PASS=Pz9secretval mysql -u root -pS3cretQQ Authorization: Token 9f8e7d6c5b4a3210ff"
)


def _raw(directory: Path, prefix: str) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.name.startswith(prefix))


def _found(raw: bytes) -> list[str]:
    return [kind for secret, kind in PLANTED.items() if secret.encode() in raw]


def test_checkpoints_hold_no_planted_secret(cluster_settings: Any) -> None:
    agent = Agent(cluster_settings)
    result = agent.handle(AgentRequest(text=TEXT, user="alice", thread_id="t1"))
    assert result.status in ("done", "blocked", "question", "error")
    agent.handle(
        AgentRequest(text="scale checkout in staging to 3, DB_PASS=Pz9secretval", user="alice", thread_id="t1")
    )
    agent.close()
    raw = _raw(cluster_settings.state_dir, "checkpoints.sqlite")
    assert raw and _found(raw) == []


def test_the_state_directory_is_private(cluster_settings: Any) -> None:
    Agent(cluster_settings).close()
    assert stat.S_IMODE(cluster_settings.state_dir.stat().st_mode) == 0o700


def test_the_alert_store_holds_no_planted_secret(tmp_path: Path) -> None:
    from opsgraph.tools.alerts.pipeline import AlertPipeline
    from tests.support.alertmanager import webhook_payload

    alerts = [
        {"labels": {"alertname": "Leak", "severity": "critical", "namespace": "prod", "pod": "cart-0"},
         "annotations": {"description": TEXT}, "startsAt": "2024-05-01T10:00:00Z"}
    ]  # fmt: skip
    document = webhook_payload(alerts)
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite")
    pipeline.receive(document, json.dumps(document))
    pipeline.close()
    assert _found(_raw(tmp_path, "alerts.sqlite")) == []
    reopened = AlertPipeline.open(tmp_path / "alerts.sqlite")  # the redacted payload still replays
    assert reopened.snapshots() and reopened.store.alerts()[0].labels["alertname"] == "Leak"
    reopened.close()


def test_uvicorn_access_log_redacts_query_string_tokens() -> None:
    import io
    import logging.config

    from opsgraph.channels.webhooks.logs import uvicorn_log_config

    config = uvicorn_log_config()
    logging.config.dictConfig(config)
    stream = io.StringIO()
    handler = logging.getLogger("uvicorn.access").handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000", "POST", "/webhooks/alertmanager?token=Pz9secretval&access_token=9f8e7d6c5b4a3210ff",
        "1.1", 200,
    )  # fmt: skip
    logged = stream.getvalue()
    assert "/webhooks/alertmanager?token=" in logged and _found(logged.encode()) == []
    logging.getLogger("uvicorn.access").handlers.clear()
