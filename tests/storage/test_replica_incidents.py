"""Two `opsgraph serve --respond` replicas on one PostgreSQL database post incidents to Slack
(the local Web API recorder) as one deployment:

- the alerts of one outage, half sent to each replica, are one incident, posted once;
- the replica that leads the correlation is killed with SIGKILL mid-stream: the other takes
  over, every acknowledged alert ends up in the incident, and nothing is posted twice (neither
  the incident nor the agent's answers in its thread);
- the leader is killed the moment Slack has accepted its incident post, before it could record
  it: the next leader finds the message by its metadata and edits it, one message in the channel;
- a Slack command sent with `X-Request-ID` leaves audit rows that `opsgraph audit --request`
  finds (from a third process).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.slack.mock_slack import SlackAPI, slack_api
from tests.storage.test_replicas import POLICY, Replica, _cli, _signed, _start, replica_env
from tests.storage.test_shared_stream import outage
from tests.support.postgres import Postgres
from tests.support.processes import stop_process

pytestmark = pytest.mark.slow

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # test_replicas' signing secret
CHANNEL = "C0INC"
ALERTS = 24


@pytest.fixture
def deployment(postgres: Postgres, tmp_path: Path) -> Iterator[tuple[dict[str, str], SlackAPI, list[Replica]]]:
    from opsgraph.sandbox.server import SandboxServer

    server = SandboxServer(tmp_path / "sandbox" / "state.json").start()
    kubeconfig = server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig")
    (tmp_path / "policy.yaml").write_text(POLICY)
    with slack_api() as api:
        env = replica_env(
            postgres, kubeconfig, tmp_path / "policy.yaml", api.url, OPSGRAPH_SLACK_INCIDENT_CHANNEL=CHANNEL
        )
        replicas: list[Replica] = []
        try:
            replicas = [_start(n, env, tmp_path, "--respond") for n in ("a", "b")]
            yield env, api, replicas
        finally:
            for replica in replicas:
                stop_process(replica.process)
            server.stop()


def _incident_posts(api: SlackAPI, incident: str | None = None) -> list[dict[str, Any]]:
    """Top-level incident messages (the agent's answers go in their threads), of `incident`."""
    posts = api.ok_calls("chat.postMessage")
    return [c for c in posts if c.get("channel") == CHANNEL and not c.get("thread_ts") and "incident inc-" in c["text"]
            and incident in (None, c["metadata"]["event_payload"]["incident"])]  # fmt: skip


def _after_the_answers_queued_so_far(api: SlackAPI, replicas: list[Replica]) -> None:
    """Returns once the leader has answered what it was asked to answer so far: a new outage,
    queued behind it, is answered (answers run in order on one queue)."""
    _send(replicas, 0, outage(0, service="payments", namespace="billing", hours=2))
    marker = api.wait_for(lambda: [p for p in _incident_posts(api) if "payments" in json.dumps(p)],
                          what="the second outage's post", timeout=45)  # fmt: skip
    incident = marker[0]["metadata"]["event_payload"]["incident"]
    thread = next(m["ts"] for m in api.messages(CHANNEL) if not m.get("thread_ts") and incident in m["text"])
    api.wait_for(lambda: _answers(api, thread), what="the second outage's answer", timeout=60)


def _answers(api: SlackAPI, thread_ts: str) -> list[str]:
    """The agent's answers in an incident's thread: the key of each (one per answer post)."""
    return [m["metadata"]["event_payload"]["key"] for m in api.thread(thread_ts)
            if (m.get("metadata") or {}).get("event_type") == "opsgraph_answer"]  # fmt: skip


def _leader(replicas: list[Replica], timeout: float = 30) -> Replica:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leading = [
            r for r in replicas if r.process.poll() is None and "now correlates and announces" in r.log.read_text()
        ]
        if leading:
            return leading[-1]
        time.sleep(0.1)
    raise AssertionError(
        "no replica took the correlator lead: " + " | ".join(r.log.read_text()[-1500:] for r in replicas)
    )


def _send(replicas: list[Replica], first: int, document: dict[str, Any]) -> str:
    """Send to replica `first`; where it does not answer, to the next (what Alertmanager does
    with several receivers behind one Service). Returns the name of the replica that stored it."""
    for k in range(len(replicas)):
        replica = replicas[(first + k) % len(replicas)]
        if replica.process.poll() is not None:
            continue
        try:
            response = httpx.post(f"{replica.url}/webhooks/alertmanager", json=document, timeout=10)
        except httpx.HTTPError:
            continue
        if response.status_code == 200:
            return replica.name
    raise AssertionError("no replica stored the alert")


def _stored_incidents(env: dict[str, str]) -> list[dict[str, Any]]:
    from opsgraph.tools.alerts.store import AlertStore

    store = AlertStore(env["OPSGRAPH_DATABASE_URL"])
    try:
        return store.incidents()
    finally:
        store.close()


def test_one_outage_over_two_replicas_is_posted_once_and_survives_the_leader(
    deployment: tuple[dict[str, str], SlackAPI, list[Replica]], tmp_path: Path
) -> None:
    env, api, replicas = deployment
    leader = _leader(replicas)

    # -- one outage, half of its alerts to each replica: one incident, one post -------------------
    stored_by = [_send(replicas, i % 2, outage(i)) for i in range(ALERTS // 2)]
    assert set(stored_by) == {"a", "b"}
    api.wait_for(lambda: _incident_posts(api), what="the incident post")
    api.wait_for(lambda: [i for i in _stored_incidents(env) if i["alert_count"] == ALERTS // 2],
                 what="the incident with every alert so far")  # fmt: skip
    (post,) = _incident_posts(api)
    (incident,) = _stored_incidents(env)
    (message,) = [m for m in api.messages(CHANNEL) if not m.get("thread_ts")]
    api.wait_for(lambda: _answers(api, message["ts"]), what="the agent's answer in the thread")

    # -- the leader dies mid-stream; the rest of the outage goes on arriving -----------------------
    os.kill(leader.process.pid, signal.SIGKILL)
    leader.process.wait(timeout=10)
    for i in range(ALERTS // 2, ALERTS):
        _send(replicas, i % 2, outage(i))
    survivor = _leader(replicas)
    assert survivor is not leader
    api.wait_for(lambda: [i for i in _stored_incidents(env) if i["alert_count"] == ALERTS],
                 what="every acknowledged alert in the incident", timeout=45)  # fmt: skip
    time.sleep(1.0)  # a duplicate post, if any, would have come with the takeover
    assert [i["id"] for i in _stored_incidents(env)] == [incident["id"]]  # still one incident
    assert _incident_posts(api) == [post]  # posted once, by the first leader
    # The new leader's responder has never answered it, but the database says it was answered.
    _after_the_answers_queued_so_far(api, replicas)
    keys = _answers(api, message["ts"])
    assert keys and len(keys) == len(set(keys)), keys
    # The one message now shows the whole outage (edited in place by the new leader).
    api.wait_for(lambda: [c for c in api.ok_calls("chat.update")
                          if incident["id"] in c.get("text", "") and f"{ALERTS} alerts" in json.dumps(c.get("blocks"))],
                 what="the incident message edited to every alert")  # fmt: skip

    # -- a Slack command with X-Request-ID: its audit rows carry the id ---------------------------
    body = urlencode({"command": "/ops", "text": "status of cart in staging", "user_id": "UONCALL",
                      "channel_id": "C0OPS", "team_id": "T1", "response_url": f"{api.url}/respond"})  # fmt: skip
    answered = httpx.post(f"{survivor.url}/slack/events", content=body,
                          headers={**_signed(body), "X-Request-ID": "req-replica-7"}, timeout=30)  # fmt: skip
    assert answered.status_code == 200 and answered.headers["x-request-id"] == "req-replica-7"
    deadline = time.monotonic() + 60
    entries: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not entries:
        listed = _cli(env, "audit", "--request", "req-replica-7", "--json", state=tmp_path / "auditor")
        assert listed.returncode == 0, listed.stdout + listed.stderr
        entries = json.loads(listed.stdout)["entries"]
        time.sleep(0.5)
    assert entries and {e["request_id"] for e in entries} == {"req-replica-7"}
    assert any(e["event"] == "plan" for e in entries), entries
    verify = _cli(env, "audit", "verify", "--json", state=tmp_path / "auditor")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_leader_killed_once_slack_accepted_its_post_leaves_one_message(
    deployment: tuple[dict[str, str], SlackAPI, list[Replica]],
) -> None:
    _, api, replicas = deployment
    leader = _leader(replicas)
    # Slack takes the post; the leader dies before the answer reaches it, so it never records it.
    api.after_accepting(
        "chat.postMessage",
        lambda body: body.get("channel") == CHANNEL and not body.get("thread_ts"),
        lambda: os.kill(leader.process.pid, signal.SIGKILL),
    )
    for i in range(ALERTS // 2):
        _send(replicas, i % 2, outage(i))
    leader.process.wait(timeout=30)
    (post,) = _incident_posts(api)
    survivor = _leader(replicas)
    assert survivor is not leader

    for i in range(ALERTS // 2, ALERTS):
        _send(replicas, i % 2, outage(i))
    (message,) = [m for m in api.messages(CHANNEL) if not m.get("thread_ts")]
    api.wait_for(lambda: [c for c in api.ok_calls("chat.update")
                          if c.get("ts") == message["ts"] and f"{ALERTS} alerts" in json.dumps(c.get("blocks"))],
                 what="the accepted message adopted and edited to every alert", timeout=45)  # fmt: skip
    _after_the_answers_queued_so_far(api, replicas)
    incident = post["metadata"]["event_payload"]["incident"]
    assert _incident_posts(api, incident) == [post]
    assert [m["ts"] for m in api.messages(CHANNEL) if not m.get("thread_ts") and incident in m["text"]] == [
        message["ts"]
    ]
    keys = _answers(api, message["ts"])  # answered once, by the new leader
    assert keys and len(keys) == len(set(keys)), keys
    assert "adopted its Slack message" in survivor.log.read_text()
