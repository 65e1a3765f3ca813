"""End to end: a real Alertmanager fires -> `opsgraph serve --respond` (wired as the command
wires it) -> the incident is posted in the routed channel -> the remediation policy proposes the
fix in its thread, with its track record -> an on-call user clicks Approve -> it runs on the
sandbox -> the outcome is in the thread -> the alerts resolve -> the policy's feedback is
recorded. Slack's Web API is the local recording server; everything else is real."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.slack.conftest import SECRET, SlackHarness, write
from tests.slack.mock_slack import SlackAPI, block_text
from tests.support.alertmanager import alertmanager_binary, run_alertmanager, serve_app

pytestmark = pytest.mark.slow
__all__ = ["alertmanager_binary"]  # the fixture used below

REMEDIATION = """version: 1
policies:
  - name: crashloop-restart
    trigger: {alerts: ["KubePodCrashLooping"]}
    diagnosis: {playbook: investigate}
    actions:
      - call: {tool: k8s_restart, args: {name: "{service}", namespace: "{namespace}"}}
        when: [{fact: alerts, contains: KubePodCrashLooping}]
    success: {check: alert_resolved, window_s: 60}
"""


def alerts(status: str = "firing") -> list[dict[str, Any]]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out = []
    for i in range(3):
        alert: dict[str, Any] = {
            "labels": {
                "alertname": "KubePodCrashLooping",
                "severity": "critical",
                "namespace": "prod",
                "service": "checkout",
                "pod": f"checkout-7d9f8b6c5d-x2k4{i}",
            },
            "annotations": {"summary": "checkout is crash looping"},
            "startsAt": now,
        }
        if status == "resolved":
            alert["endsAt"] = now
        out.append(alert)
    return out


def test_alertmanager_to_slack_to_approval_to_sandbox_to_feedback(
    alertmanager_binary: str, api: SlackAPI, team_settings: Any, sandbox: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from opsgraph.channels.cli.serve_cmds import _with_slack
    from opsgraph.tools.alerts.topology import EMPTY

    for key, value in {
        "OPSGRAPH_SLACK_BOT_TOKEN": "xoxb-test",
        "OPSGRAPH_SLACK_SIGNING_SECRET": SECRET,
        "OPSGRAPH_SLACK_API_URL": api.url,
        "OPSGRAPH_SLACK_CONFIG_FILE": str(write(tmp_path / "slack.yaml", SLACK_ROUTES)),
        "OPSGRAPH_SLACK_REMEDIATION_FILE": str(write(tmp_path / "remediation.yaml", REMEDIATION)),
    }.items():
        monkeypatch.setenv(key, value)
    app = _with_slack(team_settings, EMPTY, True)
    with (
        serve_app(app) as base_url,
        run_alertmanager(alertmanager_binary, f"{base_url}/webhooks/alertmanager", tmp_path / "am") as am,
        httpx.Client(timeout=60) as http,
    ):
        h = SlackHarness(api, base_url, None, http)
        am.post_alerts(alerts())
        post = api.wait_for(lambda: [m for m in api.messages() if "thread_ts" not in m], 60, "the incident post")[0]
        assert post["channel"] == "C0PRODINC" and "critical incident" in block_text(post["blocks"])

        def proposal() -> list[dict[str, Any]]:
            return [m for m in api.thread(post["ts"]) if "policy crashloop-restart: no track record yet"
                    in block_text(m.get("blocks") or [])]  # fmt: skip

        (message,) = api.wait_for(proposal, 120, "the policy's proposal with its track record")
        approve = next(
            e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"] == "opsgraph_approve"
        )  # fmt: skip
        clicked = h.click("opsgraph_approve", approve, "UONCALL", "C0PRODINC", message["ts"], post["ts"])
        assert clicked.status_code == 200

        def outcome() -> list[dict[str, Any]]:
            return [m for m in api.thread(post["ts"]) if "restarted prod/checkout" in m["text"]]

        api.wait_for(outcome, 60, "the outcome in the thread")
        meta = sandbox.apps().read_namespaced_deployment("checkout", "prod").spec.template.metadata
        assert "kubectl.kubernetes.io/restartedAt" in (meta.annotations or {})

        am.post_alerts(alerts("resolved"))
        runtime = app.state.slack_runtime
        pipeline = runtime.incidents.pipeline
        api.wait_for(lambda: all(s.firing == 0 for s in pipeline.snapshots()), 60, "the resolved notification")
        (pending,) = runtime.remediation.outcomes.open()
        executed = runtime.agent.approvals.get(pending.approval_id).executed_at
        assert runtime.remediation.check(now=executed + 61) == [(pending.approval_id, "worked")]
        assert runtime.remediation.outcomes.track_record("crashloop-restart") == (1, 1)
        assert any("worked 1 of 1 time" in m["text"] for m in api.thread(post["ts"]))


SLACK_ROUTES = """
version: 1
incidents:
  default_channel: C0INCIDENTS
  routes: [{match: {severity: [critical], namespace: [prod]}, channel: C0PRODINC}]
"""
