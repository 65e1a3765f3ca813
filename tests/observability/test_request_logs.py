"""Structured logs: one JSON object per line, the request id from where the request entered down
to the tool call, secrets redacted; the id travels across the thread pools a request uses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from opsgraph.agent.service import Agent, AgentRequest
from opsgraph.channels.webhooks.app import create_app
from opsgraph.core.telemetry.logs import JsonFormatter, RequestIdFilter
from opsgraph.core.telemetry.requests import ContextExecutor, current, request_scope
from opsgraph.guardrails.logs import RedactingFilter
from opsgraph.guardrails.redaction import redact_data


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger at INFO into a buffer, formatted as `opsgraph serve` formats it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(redact_data))
    handler.addFilter(RedactingFilter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_the_request_id_reaches_the_tool_call_and_the_turn_line(json_lines: io.StringIO, cluster_settings: Any) -> None:
    agent = Agent(cluster_settings)
    try:
        with request_scope("req-from-slack"):
            agent.handle(AgentRequest(text="how is checkout doing in prod?", user="alice"))
        agent.handle(AgentRequest(text="how is cart doing in prod?", user="alice"))  # no channel id: one is made
    finally:
        agent.close()
    logged = lines(json_lines)
    tools = [e for e in logged if e["logger"] == "opsgraph.tools.registry"]
    turns = [e for e in logged if e["logger"] == "opsgraph.agent.instrumentation"]
    assert [t["tool"] for t in tools] == ["k8s_status", "k8s_status"]
    assert tools[0]["request_id"] == turns[0]["request_id"] == "req-from-slack"
    assert tools[1]["request_id"] == turns[1]["request_id"] not in (None, "req-from-slack")
    assert turns[0] | {"ts": None, "seconds": None} == {
        "ts": None, "level": "INFO", "logger": "opsgraph.agent.instrumentation", "msg": turns[0]["msg"],
        "request_id": "req-from-slack", "channel": "cli", "brain": "planner", "outcome": "done", "seconds": None,
    }  # fmt: skip


def test_secrets_are_redacted_in_the_message_and_in_fields(json_lines: io.StringIO) -> None:
    token = "xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx"
    logging.getLogger("opsgraph.test").warning("posting with %s", token, extra={"password": "hunter22", "n": 3})
    (line,) = lines(json_lines)
    assert token not in json.dumps(line) and "hunter22" not in json.dumps(line)
    assert line["n"] == 3 and line["request_id"] is None


def test_an_http_request_carries_its_id_and_answers_with_it(cluster_settings: Any) -> None:
    with TestClient(create_app(cluster_settings)) as client:
        kept = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-123"})
        made = client.get("/healthz")
        unsafe = client.get("/healthz", headers={"X-Request-ID": 'a"b c' + "x" * 80})
    assert kept.headers["x-request-id"] == "proxy-abc-123"
    assert len(made.headers["x-request-id"]) == 16
    assert unsafe.headers["x-request-id"] != 'a"b c' + "x" * 80 and len(unsafe.headers["x-request-id"]) == 16


def test_slack_listeners_run_in_the_request_context() -> None:
    """Bolt runs listeners on its own pool: a plain pool loses the request id, ours keeps it."""
    with request_scope("req-slack-1"):
        plain = ThreadPoolExecutor(1).submit(current).result()
        pool = ContextExecutor(1, "test")
        ours = pool.submit(current).result()
        pool.shutdown()
    assert plain is None and ours == "req-slack-1"


def test_the_log_format_setting_is_checked(tmp_path: Any) -> None:
    import os

    from tests.support.cli import run_cli

    os.environ["OPSGRAPH_LOG_FORMAT"] = "xml"
    try:
        out = run_cli("doctor", "--timeout", "1")
    finally:
        del os.environ["OPSGRAPH_LOG_FORMAT"]
    assert out.returncode == 2 and "OPSGRAPH_LOG_FORMAT" in out.stderr and "Traceback" not in out.stderr
