"""Parsing Alertmanager v2 alerts and webhook v4 payloads, and the errors bad input gets."""

from __future__ import annotations

from typing import Any

import pytest

from opsgraph.tools.alerts.model import fingerprint
from opsgraph.tools.alerts.payloads import PayloadError, parse_document, parse_webhook
from tests.support.alertmanager import webhook_payload

NOW = 1_800_000_000.0


def v2(**overrides: Any) -> dict[str, Any]:
    base = {
        "labels": {"alertname": "HighLatency", "service": "checkout", "severity": "warning"},
        "annotations": {"summary": "p99 above 2s"},
        "startsAt": "2024-05-01T10:00:00Z",
    }
    base.update(overrides)
    return base


def test_v2_list_parses_in_order_with_times_and_computed_fingerprints() -> None:
    alerts = parse_document([v2(), v2(labels={"alertname": "PodCrashLooping", "pod": "cart-0"})], NOW)
    assert [a.name for a in alerts] == ["HighLatency", "PodCrashLooping"]
    assert alerts[0].starts_at == 1714557600.0
    assert alerts[0].status == "firing"
    assert alerts[0].annotations["summary"] == "p99 above 2s"
    assert alerts[0].fingerprint == fingerprint(alerts[0].labels)
    assert len(alerts[0].fingerprint) == 16


def test_fingerprint_depends_on_the_label_set_not_its_order() -> None:
    a = fingerprint({"alertname": "X", "pod": "p-1", "namespace": "prod"})
    b = fingerprint({"namespace": "prod", "pod": "p-1", "alertname": "X"})
    assert a == b
    assert a != fingerprint({"alertname": "X", "pod": "p-2", "namespace": "prod"})
    # Value boundaries matter: ("ab", "c") is not ("a", "bc").
    assert fingerprint({"a": "bc"}) != fingerprint({"ab": "c"})


def test_given_fingerprint_is_kept() -> None:
    (alert,) = parse_document([v2(fingerprint="00000000deadbeef")], NOW)
    assert alert.fingerprint == "00000000deadbeef"


def test_v2_alert_whose_end_has_passed_is_resolved_and_zero_end_means_unset() -> None:
    past, zero = parse_document(
        [v2(endsAt="2024-05-01T10:05:00Z"), v2(endsAt="0001-01-01T00:00:00Z", labels={"alertname": "B"})], NOW
    )
    assert past.status == "resolved" and past.event_time == 1714557900.0
    assert zero.status == "firing" and zero.ends_at is None


def test_api_status_suppressed_marks_the_alert_low_value() -> None:
    (alert,) = parse_document([v2(status={"state": "suppressed", "inhibitedBy": ["abc"], "silencedBy": []})], NOW)
    assert alert.suppressed and alert.status == "firing"


def test_webhook_v4_payload_parses_with_per_alert_status() -> None:
    body = webhook_payload(
        [
            v2(fingerprint="aaaaaaaaaaaaaaaa"),
            v2(labels={"alertname": "B"}, status="resolved", endsAt="2024-05-01T10:03:00Z"),
        ]
    )
    payload, alerts = parse_webhook(body, NOW)
    assert payload.version == "4" and payload.receiver == "opsgraph"
    assert [a.status for a in alerts] == ["firing", "resolved"]
    assert alerts[0].fingerprint == "aaaaaaaaaaaaaaaa"
    assert parse_document(body, NOW)[1].ends_at == 1714557780.0


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("just text", "expected a list of alerts or a webhook payload object, got a string"),
        ({"foo": 1}, "no 'alerts' key"),
        ([v2(labels={})], "alert 0: labels"),
        ([v2(), v2(startsAt="yesterday")], "alert 1: startsAt"),
        ([v2(labels={"alertname": 5})], "alert 0: labels.alertname"),
        ([{"annotations": {}}], "alert 0: labels: Field required"),
        (webhook_payload([v2()], version="3"), "unsupported webhook version '3'"),
        ({**webhook_payload([v2()]), "status": "burning"}, "status"),
        ({"version": "4", "status": "firing"}, "alerts: Field required"),
    ],
)
def test_bad_documents_get_an_error_that_says_where(document: Any, expected: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_document(document, NOW)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)
