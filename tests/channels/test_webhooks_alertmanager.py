"""End to end with a real Alertmanager: an alert posted to its API reaches `opsgraph serve`, becomes
an incident the agent can read, and resolves when Alertmanager says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.alerts.model import fingerprint
from opsgraph.tools.alerts.store import AlertStore
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import load_builtin_tools
from tests.support.alertmanager import (
    AlertmanagerPipeline,
    alertmanager_binary,
    alertmanager_pipeline,
    wait_until,
)

__all__ = ["alertmanager_binary", "alertmanager_pipeline"]  # fixtures used below

LABELS = {
    "alertname": "PodCrashLooping",
    "severity": "critical",
    "namespace": "prod",
    "pod": "cart-7d9f-0",
    "service": "cart",
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.slow
def test_alert_posted_to_alertmanager_becomes_an_incident(
    alertmanager_pipeline: AlertmanagerPipeline,
) -> None:
    am = alertmanager_pipeline.alertmanager
    # Started a minute ago: the resolve below ends it "a second ago", and Alertmanager answers 400
    # ("start time must be before end time") if the webhook round trip took under that second.
    now = datetime.now(UTC) - timedelta(minutes=1)
    am.post_alerts(
        [
            {
                "labels": LABELS,
                "annotations": {"summary": "cart keeps crashing"},
                "startsAt": iso(now),
                "generatorURL": "http://prometheus.test/graph",
            }
        ]
    )
    store = AlertStore(Settings().alerts_db)
    stored = wait_until(lambda: store.alerts("firing"), 30, f"the webhook to arrive\n{am.log()}")
    (alert,) = stored
    assert alert.labels == LABELS
    # Alertmanager's own fingerprint, computed the same way here.
    assert alert.fingerprint == fingerprint(LABELS)

    registry, ctx = load_builtin_tools(), ToolContext(Settings(), actor="tester")
    shown = registry.call("incident_show", {}, ctx)
    assert shown.ok and shown.untrusted
    assert shown.data["status"] == "firing" and shown.data["alert_count"] == 1
    assert shown.data["probable_causes"][0]["entity"] == "cart-7d9f-0"
    listed = registry.call("alerts_list", {"service": "cart"}, ctx)
    assert "PodCrashLooping on cart-7d9f-0 (prod)" in listed.text

    # Resolve it in Alertmanager: it sends a resolved notification and the incident follows.
    am.post_alerts([{"labels": LABELS, "startsAt": iso(now), "endsAt": iso(datetime.now(UTC) - timedelta(seconds=1))}])
    wait_until(lambda: not store.alerts("firing"), 30, f"the resolved notification\n{am.log()}")
    resolved = registry.call("incident_show", {"id": shown.data["id"]}, ctx)
    assert resolved.data["status"] == "resolved"
    assert registry.call("incident_show", {}, ctx).status == "no_data"  # nothing open any more
    store.close()
