"""Secret shapes the attack found unredacted (issue 10 item 3), in text, data, the audit log and
`alerts_list`; and look-alikes that must pass untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.agent.audit import AuditLog
from opsgraph.guardrails.redaction import redact, redact_data

# (text, the secret in it)
MISSED = [
    ("cache at redis://:Hunter2zz@cache:6379/0", "Hunter2zz"),
    ("DB_PASS=Pz9secretval", "Pz9secretval"),
    ('export DB_PASS="Pz9secretval"', "Pz9secretval"),
    ("mysql -h db -u root -pS3cretQQ shop", "S3cretQQ"),
    ("mysqldump -uroot -pS3cretQQ --all-databases", "S3cretQQ"),
    ("Authorization: Token 9f8e7d6c5b4a3210ff", "9f8e7d6c5b4a3210ff"),
    ("authorization: Digest abcdef123456789", "abcdef123456789"),
    ("AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("postgres://app:p@ssw0rd!@db.internal:5432/shop", "ssw0rd!"),
    ("amqp://guest:gu@st@rabbit/", "gu@st"),
]

UNTOUCHED = [
    "psql -h db -p 5432 -U app",
    "git@github.com:acme/checkout.git",
    "https://user@example.com/path",
    "image ghcr.io/acme/checkout@sha256:0123abcd",
    "bypass: true, compass=3",
    "mysql -h db -p",  # asks for the password: nothing to hide
    "Authorization: Bearer [REDACTED:bearer_token]",
]


@pytest.mark.parametrize(("text", "secret"), MISSED)
def test_a_missed_shape_is_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and "[REDACTED:" in out


@pytest.mark.parametrize("text", UNTOUCHED)
def test_a_look_alike_passes_untouched(text: str) -> None:
    assert redact(text) == text


def test_a_pod_log_result_is_redacted_everywhere_in_it() -> None:
    result = {"tool": "k8s_logs", "text": "\n".join(t for t, _ in MISSED), "data": {"lines": [t for t, _ in MISSED]}}
    dumped = str(redact_data(result))
    assert not [secret for _, secret in MISSED if secret in dumped]


def test_the_audit_log_stores_none_of_them(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    audit = AuditLog(path, redactor=redact_data)
    for text, _ in MISSED:
        audit.append("plan", actor="alice", data={"text": text})
    audit.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("audit.sqlite"))
    assert not [secret for _, secret in MISSED if secret.encode() in raw]


def test_alerts_list_shows_none_of_them(isolated_state: Path) -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.alerts.pipeline import AlertPipeline
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.registry import load_builtin_tools
    from tests.support.alertmanager import webhook_payload

    settings = Settings()
    settings.ensure_state_dir()
    pipeline = AlertPipeline.open(settings.alerts_db)
    alerts = [
        {"labels": {"alertname": f"Leak{i}", "severity": "critical", "namespace": "prod", "dsn": text},
         "annotations": {"description": text}, "startsAt": "2024-05-01T10:00:00Z"}
        for i, (text, _) in enumerate(MISSED)
    ]  # fmt: skip
    import json

    document = webhook_payload(alerts)
    pipeline.receive(document, json.dumps(document))
    pipeline.close()
    result = load_builtin_tools().call("alerts_list", {}, ToolContext(settings, actor="alice"))
    shown = result.text + json.dumps(result.data)
    assert "Leak0" in shown
    assert not [secret for _, secret in MISSED if secret in shown]
