"""Socket Mode without Slack: the Bolt app behind the SDK's built-in Socket Mode client, talking
to a local WebSocket server that speaks Slack's envelope protocol (hello, events_api envelopes,
acks by envelope id) and an `apps.connections.open` answered by the local Web API.

Testable here: events reach the handlers and are acknowledged; after the server drops the
connection the client reconnects on a fresh URL and handlers still run; while Slack cannot be
reached the watchdog says the connection is down, retries with backoff, and says when it is
back. Not testable here: Slack's real reconnect cadence (`disconnect` warnings every few hours),
its TLS endpoint, and how long Slack waits before redelivering an unacknowledged envelope."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.slack.conftest import slack_settings
from tests.slack.mock_slack import SlackAPI

pytestmark = pytest.mark.slow


class FakeSocketMode:
    """Slack's side of Socket Mode, on 127.0.0.1."""

    def __init__(self) -> None:
        self.connections: list[Any] = []
        self.acks: list[str] = []
        self.server: Any = None
        self.port = 0

    def start(self, port: int = 0) -> None:
        from websockets.sync.server import serve

        self.server = serve(self._handle, "127.0.0.1", port)
        self.port = self.server.socket.getsockname()[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        for ws in self.connections:
            ws.close()
        self.server.shutdown()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=t"

    def _handle(self, ws: Any) -> None:
        self.connections.append(ws)
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}))
        try:
            for message in ws:
                data = json.loads(message)
                if "envelope_id" in data:
                    self.acks.append(data["envelope_id"])
        except Exception:
            return

    def mention(self, envelope_id: str, text: str, ts: str) -> None:
        event = {"type": "app_mention", "user": "UASKER", "text": f"<@UBOT> {text}", "channel": "C0OPS", "ts": ts}
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event, "event_id": envelope_id}
        envelope = {"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
                    "payload": body}  # fmt: skip
        # The newest connection that is still open (one the client dropped while reconnecting may
        # be the last one accepted).
        for ws in reversed(self.connections):
            try:
                ws.send(json.dumps(envelope))
                return
            except Exception:  # closed: try the one before
                continue
        raise AssertionError("the client has no open connection to Slack")


def wait(predicate: Any, timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def socket_mode(api: SlackAPI, team_settings: Any, tmp_path: Path) -> Iterator[tuple[Any, FakeSocketMode]]:
    from opsgraph.channels.slack.runtime import build
    from opsgraph.channels.slack.transport_socket import SocketModeRunner

    slack = FakeSocketMode()
    slack.start()
    api.socket_url = slack.url
    runtime = build(team_settings, slack_settings(api, tmp_path, app_token="xapp-1"), background=False)
    runner = SocketModeRunner(runtime.bolt, "xapp-1", check_every_s=0.5, ping_interval=1)
    yield runner, slack
    runner.close()
    slack.stop()
    runtime.close()


def answered(api: SlackAPI, ts: str) -> bool:
    return any(m["edits"] for m in api.thread(ts))


def test_events_are_handled_acknowledged_and_survive_a_dropped_connection(
    socket_mode: tuple[Any, FakeSocketMode], api: SlackAPI
) -> None:
    runner, slack = socket_mode
    assert runner.connect() and runner.check()
    wait(lambda: slack.connections, what="a connection")
    slack.mention("E1", "help", "10.1")
    wait(lambda: "E1" in slack.acks, what="the ack")
    wait(lambda: answered(api, "10.1"), timeout=120, what=f"the answer {api.calls}")

    slack.connections[-1].close()  # Slack drops the socket (it does, every few hours)
    wait(lambda: len(slack.connections) == 2, what="a new connection")
    assert len(api.ok_calls("apps.connections.open")) == 2  # a fresh URL each time
    wait(lambda: runner.client.is_connected(), what="the client to be connected")
    slack.mention("E2", "help", "10.2")
    wait(lambda: "E2" in slack.acks, what="the ack after reconnecting")
    wait(lambda: answered(api, "10.2"), what="the answer after reconnecting")


def test_the_watchdog_says_when_slack_is_down_and_when_it_is_back(
    socket_mode: tuple[Any, FakeSocketMode], api: SlackAPI, caplog: pytest.LogCaptureFixture
) -> None:
    runner, slack = socket_mode
    runner.client.auto_reconnect_enabled = False  # only the watchdog reconnects in this test
    runner.client.default_auto_reconnect_enabled = False
    assert runner.connect() and runner.check()
    port = slack.port
    slack.stop()  # Slack unreachable: the socket closes and new connections are refused
    caplog.set_level(logging.INFO, logger="opsgraph.channels.slack.transport_socket")
    wait(lambda: not runner.client.is_connected(), what="the connection to drop")
    now = time.monotonic()
    assert not runner.check(now)
    assert "Slack connection is down" in caplog.text
    assert not runner.check(now + 1)  # the watchdog tried and failed
    assert runner.reconnects == 1 and "reconnecting to Slack failed" in caplog.text
    assert not runner.check(now + 1.2)  # backoff: no new attempt yet
    assert runner.reconnects == 1

    slack.start(port)  # Slack is back on the same address
    assert wait(lambda: runner.check(time.monotonic() + 60), what="the watchdog to reconnect")
    assert "Slack connection is up" in caplog.text and "down" in caplog.text.split("Slack connection is up")[-1]
    slack.mention("E3", "help", "10.3")
    wait(lambda: answered(api, "10.3"), what="the answer after the outage")
