"""Fixtures for Slack tests: the local Web API, signed requests into the Bolt app (over real
HTTP, the `opsgraph serve` app), and an agent on the sandbox with a team policy."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.slack.mock_slack import SlackAPI, slack_api

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

TEAM_POLICY = """
version: 1
roles:
  oncall: ["slack:UONCALL", "slack-group:SONCALL"]
  admin: []
namespaces:
  environments:
    production: ["prod"]
    staging: ["staging"]
rules:
  - {name: no-prod-scale-to-zero, effect: deny, tools: [k8s_scale], environments: [production], when: {replicas: 0},
     reason: scaling production to zero takes it offline}
  - {name: reads, effect: allow, risk: [read], reason: read-only}
  - {name: destructive, effect: approve, risk: [destructive], approvers: [oncall], two_person: true,
     reason: destructive}
  - {name: production-writes, effect: approve, risk: [write], environments: [production], approvers: [oncall],
     reason: prod write}
  - {name: other-writes, effect: approve, risk: [write], approvers: [any], reason: write}
channels:
  - {channel: "slack:C0READONLY", writes: false}
  - {channel: "slack:#staging-ops", writes: true, namespaces: [staging]}
  - {channel: "slack:im", writes: true}
  - {channel: "slack:*", writes: true}
"""

# Channels the local Web API lists (conversations.list), for rules and routes that use names.
CONVERSATIONS = [
    {"id": "C0OPS", "name": "ops"},
    {"id": "C0READONLY", "name": "general"},
    {"id": "C0STAGING", "name": "staging-ops"},
    {"id": "C0PRODINC", "name": "prod-incidents"},
    {"id": "C0INCIDENTS", "name": "incidents"},
]

SLACK_CONFIG = """
version: 1
incidents:
  default_channel: C0INCIDENTS
  routes:
    - {match: {severity: [critical], namespace: [prod]}, channel: "#prod-incidents"}
  rate_limit: {count: 20, per_seconds: 60}
"""


def sign(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackHarness:
    api: SlackAPI
    base_url: str
    runtime: Any
    http: httpx.Client

    def post(self, path: str, body: str, content_type: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(
            f"{self.base_url}{path}",
            content=body,
            headers={"Content-Type": content_type, **(sign(body) if headers is None else headers)},
        )

    def event(self, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                           "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time())})  # fmt: skip
        return self.post("/slack/events", body, "application/json")

    def mention(self, text: str, user: str = "UASKER", channel: str = "C0OPS", ts: str | None = None) -> str:
        ts = ts or f"{time.time():.6f}"
        response = self.event(
            {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel, "ts": ts}
        )
        assert response.status_code == 200, response.text
        return ts

    def command(self, text: str, user: str = "UASKER", channel: str = "C0OPS") -> httpx.Response:
        body = urlencode({"command": "/ops", "text": text, "user_id": user, "channel_id": channel,
                          "team_id": "T1", "response_url": "http://127.0.0.1:9/none", "trigger_id": "t1"})  # fmt: skip
        return self.post("/slack/events", body, "application/x-www-form-urlencoded")

    def click(
        self, action_id: str, value: str, user: str, channel: str, message_ts: str, thread_ts: str | None
    ) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "api_app_id": "A1",
            "trigger_id": "t1",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"ts": message_ts, **({"thread_ts": thread_ts} if thread_ts else {})},
            "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.post("/slack/interactions", body, "application/x-www-form-urlencoded")


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def api() -> Iterator[SlackAPI]:
    with slack_api() as server:
        server.conversations = list(CONVERSATIONS)
        yield server


def slack_settings(api: SlackAPI, tmp_path: Path, **extra: Any) -> Any:
    from opsgraph.channels.slack.settings import SlackSettings

    return SlackSettings(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        api_url=api.url,
        config_file=write(tmp_path / "slack.yaml", SLACK_CONFIG),
        retries=2,
        **extra,
    )


@pytest.fixture
def team_settings(cluster_settings: Any, tmp_path: Path) -> Any:
    return cluster_settings.model_copy(update={"policy_file": write(tmp_path / "policy.yaml", TEAM_POLICY)})


@pytest.fixture
def harness(api: SlackAPI, team_settings: Any, tmp_path: Path, planner: Any) -> Iterator[SlackHarness]:
    # `planner`: the intent classifier is trained (or loaded) before any test's clock starts.
    from opsgraph.channels.slack.runtime import build
    from opsgraph.channels.slack.transport_http import slack_routes
    from opsgraph.channels.webhooks.app import create_app
    from tests.support.alertmanager import serve_app

    runtime = build(team_settings, slack_settings(api, tmp_path), background=False)
    app = create_app(team_settings, extra_routes=slack_routes(runtime.bolt))
    with serve_app(app) as base_url, httpx.Client(timeout=30) as http:
        yield SlackHarness(api, base_url, runtime, http)
    runtime.close()
