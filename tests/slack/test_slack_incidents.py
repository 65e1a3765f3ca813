"""Incident channels: one post per incident in the routed channel, edited as it grows, the agent's
answers in its thread, suggested fixes as buttons that take the normal approval path, and a
per-channel rate limit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.slack.conftest import SlackHarness, slack_settings, write
from tests.slack.mock_slack import SlackAPI, block_text

pytestmark = pytest.mark.slow


def crashloop(
    i: int, namespace: str = "prod", service: str = "checkout", severity: str = "critical", hours_ago: int = 0
) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - hours_ago * 3600))
    return {
        "status": "firing",
        "startsAt": now,
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": f"{service}-crash{i}",
        "labels": {
            "alertname": "KubePodCrashLooping",
            "severity": severity,
            "namespace": namespace,
            "service": service,
            "pod": f"{service}-7d9f8b6c5d-x2k4{i}",
        },
        "annotations": {"summary": f"{service} is crash looping"},
    }


def webhook(*alerts: dict[str, Any]) -> dict[str, Any]:
    from tests.support.alertmanager import webhook_payload

    return webhook_payload(list(alerts))


@pytest.fixture
def wired(api: SlackAPI, team_settings: Any, tmp_path: Path) -> Iterator[SlackHarness]:
    import httpx

    from opsgraph.channels.slack.runtime import build, respond_to_incidents
    from opsgraph.channels.slack.transport_http import slack_routes
    from opsgraph.channels.webhooks.app import create_app
    from opsgraph.tools.alerts.pipeline import AlertPipeline
    from tests.support.alertmanager import serve_app

    team_settings.ensure_state_dir()
    pipeline = AlertPipeline.open(team_settings.alerts_db)
    runtime = build(team_settings, slack_settings(api, tmp_path), pipeline=pipeline, background=False)
    respond_to_incidents(runtime, pipeline, background=False)
    # background=False: the incident is posted before the webhook answers, so each step can be
    # checked right after it (serve itself correlates in the background).
    app = create_app(team_settings, pipeline=pipeline, extra_routes=slack_routes(runtime.bolt), background=False)
    with serve_app(app) as base_url, httpx.Client(timeout=60) as http:
        yield SlackHarness(api, base_url, runtime, http)
    runtime.close()
    pipeline.close()


def receive(h: SlackHarness, *alerts: dict[str, Any]) -> None:
    response = h.http.post(f"{h.base_url}/webhooks/alertmanager", json=webhook(*alerts))
    assert response.status_code == 200, response.text


def test_an_incident_is_posted_once_in_its_routed_channel_and_answered_in_its_thread(
    wired: SlackHarness, sandbox: Any
) -> None:
    h = wired.api
    receive(wired, *(crashloop(i) for i in range(3)))
    (post,) = [m for m in h.messages() if "thread_ts" not in m]
    assert post["channel"] == "C0PRODINC"  # critical + prod routes here, not to the default channel
    text = block_text(post["blocks"])
    assert "critical incident" in text and "Probable causes" in text and "checkout" in text
    buttons = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    calls = [json.loads(b["value"])["call"] for b in buttons]
    assert calls == [{"tool": "k8s_restart", "args": {"name": "checkout", "namespace": "prod"}}]
    assert [b["text"]["text"] for b in buttons] == ["Restart prod/checkout"]
    thread = h.thread(post["ts"])
    assert any(m["text"].lower().startswith("✅ incident inc-") for m in thread)  # the agent reading the incident
    proposal = [m for m in thread if any(b["type"] == "actions" for b in m.get("blocks") or [])]
    assert proposal and "restart" in block_text(proposal[0]["blocks"])
    assert "untrusted content" in block_text(proposal[0]["blocks"])  # alert-born: waits for a person

    receive(wired, *(crashloop(i) for i in range(3, 5)))
    assert len([m for m in h.messages() if "thread_ts" not in m]) == 1  # never one post per alert
    edited = [u for u in h.ok_calls("chat.update") if u["ts"] == post["ts"]]
    assert edited and "5 alerts" in block_text(edited[-1]["blocks"])
    assert any(m["text"].startswith("2 new alerts") for m in h.thread(post["ts"]))


def test_an_incident_button_proposes_the_fix_and_an_oncall_click_runs_it(wired: SlackHarness, sandbox: Any) -> None:
    h = wired.api
    receive(wired, *(crashloop(i) for i in range(3)))
    (post,) = [m for m in h.messages() if "thread_ts" not in m]
    (button,) = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    before = len(h.thread(post["ts"]))
    wired.click("opsgraph_incident_action", button["value"], "UASKER", "C0PRODINC", post["ts"], None)

    def proposal() -> list[dict[str, Any]]:
        return [m for m in h.thread(post["ts"])[before:] if m["edits"] and "approval:" in json.dumps(m["blocks"])]

    (message,) = h.wait_for(proposal, what="the proposal in the incident thread")
    approve = next(
        e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "opsgraph_approve"
    )  # fmt: skip
    wired.click("opsgraph_approve", approve, "UONCALL", "C0PRODINC", message["ts"], post["ts"])
    h.wait_for(lambda: [m for m in h.thread(post["ts"]) if "restarted prod/checkout" in m["text"]], what="outcome")
    template = sandbox.apps().read_namespaced_deployment("checkout", "prod").spec.template.metadata
    assert "kubectl.kubernetes.io/restartedAt" in (template.annotations or {})


def test_routes_and_the_per_channel_rate_limit(api: SlackAPI, tmp_path: Path) -> None:
    from opsgraph.channels.slack.config import load_config
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    config = load_config(write(tmp_path / "s.yaml", """
version: 1
incidents:
  default_channel: C0ALL
  routes: [{match: {namespace: [staging]}, channel: C0STG}]
  rate_limit: {count: 2, per_seconds: 3600}
"""))  # fmt: skip
    poster = Poster(web_client("xoxb-1", api.url, 0), tmp_path / "outbox.sqlite")
    incidents = SlackIncidents(poster, config, tmp_path / "slack.sqlite")
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", on_incident=incidents)
    services = (("cart", "staging"), ("search", "prod"), ("ads", "prod"), ("email", "prod"))
    for n, (service, namespace) in enumerate(services):  # hours apart: four separate incidents
        doc = webhook(*(crashloop(i, namespace, service, hours_ago=8 - 2 * n) for i in range(3)))
        pipeline.receive(doc, json.dumps(doc))
    channels = [m["channel"] for m in api.messages() if "thread_ts" not in m]
    assert channels.count("C0STG") == 1 and channels.count("C0ALL") == 2  # the fourth is over the limit
    assert incidents.suppressed == 1
    pipeline.close()
    poster.close()
    incidents.close()


def test_resolution_is_said_in_the_thread(api: SlackAPI, tmp_path: Path) -> None:
    from opsgraph.channels.slack.config import SlackConfig
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    poster = Poster(web_client("xoxb-1", api.url, 0), tmp_path / "outbox.sqlite")
    incidents = SlackIncidents(poster, SlackConfig(), tmp_path / "slack.sqlite", fallback_channel="C0ALL")
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", on_incident=incidents)
    incidents.pipeline = pipeline
    alerts = [crashloop(i) for i in range(3)]
    pipeline.receive(webhook(*alerts), json.dumps(webhook(*alerts)))
    (post,) = api.messages()
    assert incidents.sweep() == 0  # nothing changed
    ended = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    resolved = webhook(*[a | {"status": "resolved", "endsAt": ended} for a in alerts]) | {"status": "resolved"}
    pipeline.receive(resolved, json.dumps(resolved))
    assert incidents.sweep() == 1
    assert any("resolved after" in m["text"] for m in api.thread(post["ts"]))
    assert "✅" in block_text(api.messages()[0]["blocks"])
    pipeline.close()
    poster.close()
    incidents.close()


def test_on_the_served_storm_path_a_new_incident_is_posted_at_once_and_its_updates_coalesce(
    api: SlackAPI, tmp_path: Path
) -> None:
    """What `opsgraph serve` does (acks after the commit, correlation in the background): the
    incident's post does not wait for the update interval; a burst on it becomes one edit."""
    from opsgraph.channels.slack.config import SlackConfig
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    poster = Poster(web_client("xoxb-1", api.url, 0), tmp_path / "outbox.sqlite")
    incidents = SlackIncidents(poster, SlackConfig(), tmp_path / "slack.sqlite", fallback_channel="C0ALL")
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", on_incident=incidents)
    intake = pipeline.intake(update_interval_s=60.0)  # updates of known incidents: once a minute
    first = webhook(crashloop(0))
    intake.accept(first, json.dumps(first)).result(timeout=10)
    (post,) = api.wait_for(lambda: api.messages(), timeout=10, what="the new incident's post, before the interval")
    burst = [webhook(crashloop(i)) for i in range(1, 51)]
    for doc in burst:
        intake.accept(doc, json.dumps(doc)).result(timeout=10)
    assert api.ok_calls("chat.update") == []  # the burst waits for the debounced update...
    intake.close()  # ...which closing the intake runs now
    assert len(api.ok_calls("chat.update")) == 1 and api.messages()[0]["edits"] == 1
    assert [m["text"] for m in api.thread(post["ts"])] == ["50 new alerts (51 in all, 51 firing)"]
    pipeline.close()
    poster.close()
    incidents.close()
