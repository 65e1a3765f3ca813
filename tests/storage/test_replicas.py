"""Two `opsgraph serve` replicas on one PostgreSQL database, each with its own (empty) state
directory, in front of one sandbox cluster and Slack's Web API answered by a local recorder:

- the same approval clicked on both replicas at once runs exactly once; the other click is
  answered that the approval is no longer waiting;
- a replica killed with SIGKILL in the middle of a webhook flood loses no alert it acknowledged;
- `opsgraph audit verify` (a third process) finds one valid chain afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.slack.mock_slack import SlackAPI, slack_api
from tests.support.cli import OPSGRAPH
from tests.support.postgres import Postgres
from tests.support.processes import free_port, stop_process

pytestmark = pytest.mark.slow

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
POLICY = """
version: 1
roles:
  oncall: ["slack:UONCALL", "local:*"]
namespaces:
  environments:
    staging: ["staging"]
rules:
  - {name: reads, effect: allow, risk: [read], reason: read-only}
  - {name: writes, effect: approve, risk: [write], approvers: [any], reason: write}
"""


@dataclass
class Replica:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Deployment:
    env: dict[str, str]
    api: SlackAPI
    replicas: list[Replica]
    sandbox: Any


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


def _start(name: str, env: dict[str, str], tmp: Path, *options: str) -> Replica:
    port = free_port()
    state = tmp / name
    state.mkdir()
    log = tmp / f"{name}.log"
    process = subprocess.Popen(
        [OPSGRAPH, "serve", "--port", str(port), "--no-cluster-topology", "--log-level", "warning", *options],
        env={**env, "OPSGRAPH_STATE_DIR": str(state)}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"replica {name} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Replica(name, url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"replica {name} did not start: {log.read_text()[-3000:]}")


def replica_env(postgres: Postgres, kubeconfig: Path, policy: Path, slack_url: str, **extra: str) -> dict[str, str]:
    """What every replica of one deployment shares: a fresh database, the sealing key, the sandbox,
    the policy and the local Slack Web API."""
    return {
        **os.environ,
        "OPSGRAPH_DATABASE_URL": postgres.create_database(),
        "OPSGRAPH_APPROVAL_KEY": secrets.token_hex(32),
        "OPSGRAPH_CLUSTER": "kubeconfig",
        "OPSGRAPH_KUBECONFIG": str(kubeconfig),
        "OPSGRAPH_POLICY_FILE": str(policy),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGRAPH_SLACK_API_URL": slack_url,
        **extra,
    }


@pytest.fixture
def deployment(postgres: Postgres, tmp_path: Path) -> Iterator[Deployment]:
    from opsgraph.sandbox.server import SandboxServer

    server = SandboxServer(tmp_path / "sandbox" / "state.json").start()
    kubeconfig = server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig")
    (tmp_path / "policy.yaml").write_text(POLICY)
    with slack_api() as api:
        env = replica_env(postgres, kubeconfig, tmp_path / "policy.yaml", api.url, OPSGRAPH_ROLLOUT_TIMEOUT_S="30")
        replicas = []
        try:
            replicas = [_start(n, env, tmp_path) for n in ("a", "b")]
            yield Deployment(env, api, replicas, server)
        finally:
            for replica in replicas:
                stop_process(replica.process)  # type: ignore[arg-type]
            server.stop()


def _cli(env: dict[str, str], *args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPSGRAPH, *args], env={**env, "OPSGRAPH_STATE_DIR": str(state)}, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _click(replica: Replica, value: str) -> httpx.Response:
    payload = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "UONCALL"}, "api_app_id": "A1",
        "trigger_id": "t1", "channel": {"id": "C0OPS"},
        "container": {"type": "message", "message_ts": "100.1", "channel_id": "C0OPS"},
        "message": {"ts": "100.1", "thread_ts": "100.0"},
        "actions": [{"action_id": "opsgraph_approve", "value": value, "type": "button", "block_id": "b"}],
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(payload)})
    return httpx.post(f"{replica.url}/slack/interactions", content=body, headers=_signed(body), timeout=30)


def _replicas_of(kubeconfig: str, name: str) -> int:
    from kubernetes import client, config

    api = client.AppsV1Api(config.new_client_from_config(kubeconfig, persist_config=False))
    return int(api.read_namespaced_deployment(name, "staging").spec.replicas)


def test_two_replicas_one_database(deployment: Deployment, tmp_path: Path) -> None:
    env, api = deployment.env, deployment.api
    a, b = deployment.replicas

    # -- the same approval clicked on both replicas at once: one execution ------------------------
    asked = _cli(env, "ask", "scale cart in staging to 4", "--json", state=tmp_path / "cli")
    assert asked.returncode == 3, asked.stderr
    (pending,) = json.loads(asked.stdout)["approvals"]
    store = _approval_store(env)
    value = f"{pending['id']}|{store.get(pending['id']).action_hash}"  # type: ignore[union-attr]
    answers: dict[str, int] = {}
    clicks = [threading.Thread(target=lambda r=r: answers.update({r.name: _click(r, value).status_code}))
              for r in (a, b)]  # fmt: skip
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    assert answers == {"a": 200, "b": 200}  # Slack's ack; the decisions follow
    api.wait_for(lambda: store.get(pending["id"]).status == "executed", what="the execution")  # type: ignore[union-attr]

    def said(words: tuple[str, ...]) -> list[str]:
        texts = [c["text"] for m in ("chat.postMessage", "chat.postEphemeral") for c in api.ok_calls(m)]
        return [t for t in texts if any(w in t for w in words)]

    refused = api.wait_for(lambda: said(("already used", "not waiting")), what="the other click's answer")
    assert len(refused) == 1, refused  # the other replica says so, and runs nothing
    assert len(said(("scaled staging/cart",))) == 1
    runs = [e for e in _audit(env).entries(event="executed")
            if e.data.get("approval") == pending["id"] and e.data.get("status") != "error"]  # fmt: skip
    assert len(runs) == 1, runs
    assert _replicas_of(env["OPSGRAPH_KUBECONFIG"], "cart") == 4

    # -- a webhook flood over both replicas; replica a is killed with SIGKILL in the middle ---------
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def flood(replica: Replica, worker: int) -> None:
        with httpx.Client(timeout=10) as http:
            n = 0
            while not stop.is_set():
                n += 1
                key = f"{replica.name}-{worker}-{n}"
                try:
                    response = http.post(f"{replica.url}/webhooks/alertmanager", json=_alert(key))
                except httpx.HTTPError:
                    if replica.process.poll() is not None:
                        return  # the replica is gone; its unanswered requests were never acknowledged
                    continue
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(key)

    workers = [threading.Thread(target=flood, args=(r, w)) for r in (a, b) for w in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(2.0)
    os.kill(a.process.pid, signal.SIGKILL)
    a.process.wait(timeout=10)
    killed_at = len(acknowledged)
    time.sleep(1.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    assert killed_at > 20 and any(k.startswith("a-") for k in acknowledged)
    assert len(acknowledged) > killed_at  # replica b kept answering after a died

    stored = _stored_keys(env)
    lost = [k for k in acknowledged if k not in stored]
    assert lost == [], f"{len(lost)} acknowledged alerts are not in the database: {lost[:5]}"

    # -- the audit log, from a third process: one valid chain -------------------------------------
    verify = _cli(env, "audit", "verify", "--json", state=tmp_path / "auditor")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads(verify.stdout)
    assert report["ok"] is True and report["rows"] >= 4


def _alert(key: str) -> dict[str, Any]:
    return {
        "version": "4", "status": "firing", "receiver": "opsgraph", "groupKey": f"g-{key}",
        "alerts": [{"status": "firing", "labels": {"alertname": "Flood", "service": "cart", "namespace": "staging",
                                                    "key": key},
                    "annotations": {"summary": f"flood {key}"}, "startsAt": "2024-05-01T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z", "fingerprint": key}],
    }  # fmt: skip


def _approval_store(env: dict[str, str]) -> Any:
    from opsgraph.agent.approvals import ApprovalStore

    return ApprovalStore(env["OPSGRAPH_DATABASE_URL"], key=bytes.fromhex(env["OPSGRAPH_APPROVAL_KEY"]))


def _audit(env: dict[str, str]) -> Any:
    from opsgraph.agent.audit import AuditLog

    return AuditLog(env["OPSGRAPH_DATABASE_URL"])


def _stored_keys(env: dict[str, str]) -> set[str]:
    from opsgraph.tools.alerts.store import AlertStore

    store = AlertStore(env["OPSGRAPH_DATABASE_URL"])
    keys = {a.labels.get("key", "") for a in store.alerts(status=None)}
    store.close()
    return keys
