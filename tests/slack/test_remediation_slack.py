"""A remediation policy in the incident's Slack thread: the investigate playbook's findings and its
proposed fix arrive as one approval card; an on-call click runs exactly that fix on the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opsgraph.sandbox.faults import Fault
from tests.slack.conftest import SlackHarness, slack_settings, write
from tests.slack.mock_slack import SlackAPI, block_text
from tests.slack.test_slack_incidents import crashloop, receive

POLICY = """version: 1
policies:
  - name: bad-rollout
    trigger: {alerts: ["KubePodCrashLooping"]}
    diagnosis: {playbook: investigate}
    actions:
      - fix: playbook
        when: [{fact: root_cause_reason, eq: CrashLoopBackOff}]
"""


@pytest.fixture
def wired(api: SlackAPI, team_settings: Any, tmp_path: Path, planner: Any) -> Iterator[SlackHarness]:
    from opsgraph.channels.slack.runtime import build, respond_to_incidents
    from opsgraph.channels.slack.transport_http import slack_routes
    from opsgraph.channels.webhooks.app import create_app
    from opsgraph.tools.alerts.pipeline import AlertPipeline
    from tests.support.alertmanager import serve_app

    team_settings.ensure_state_dir()
    pipeline = AlertPipeline.open(team_settings.alerts_db)
    slack = slack_settings(api, tmp_path, remediation_file=write(tmp_path / "remediation.yaml", POLICY))
    runtime = build(team_settings, slack, pipeline=pipeline, background=False)
    respond_to_incidents(runtime, pipeline, background=False)
    app = create_app(team_settings, pipeline=pipeline, extra_routes=slack_routes(runtime.bolt), background=False)
    with serve_app(app) as base_url, httpx.Client(timeout=120) as http:
        yield SlackHarness(api, base_url, runtime, http)
    runtime.close()
    pipeline.close()


def test_the_playbook_findings_and_fix_are_one_approval_card_in_the_incident_thread(
    wired: SlackHarness, sandbox: Any
) -> None:
    sandbox.server.inject(Fault("crashloop", "prod/checkout", {"rollout": True, "reason": "connection-refused"}))
    assert sandbox.server.wait_manifested(15)
    receive(wired, *(crashloop(i) for i in range(3)))
    api = wired.api
    (post,) = [m for m in api.messages() if "thread_ts" not in m]

    def card() -> list[dict[str, Any]]:
        return [
            m for m in api.thread(post["ts"])
            if "fails since its rollout" in block_text(m.get("blocks") or [])
            and any(b["type"] == "actions" for b in m.get("blocks") or [])
        ]  # fmt: skip

    (message,) = api.wait_for(card, 60, "the playbook's findings with the approval card")
    text = block_text(message["blocks"])
    assert "k8s_rollback" in text and "policy bad-rollout: no track record yet" in text
    assert "k8s_logs" in text  # the evidence: the crashed container's logs were read
    assert any("proposes `Roll back prod/checkout`" in m["text"] for m in api.thread(post["ts"]))
    approve = next(
        e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "opsgraph_approve"
    )  # fmt: skip
    before = sandbox.apps().read_namespaced_deployment("checkout", "prod").metadata.annotations
    wired.click("opsgraph_approve", approve, "UONCALL", "C0PRODINC", message["ts"], post["ts"])
    api.wait_for(lambda: [m for m in api.thread(post["ts"]) if "rolled back" in m["text"].lower()], 60, "the rollback")
    after = sandbox.apps().read_namespaced_deployment("checkout", "prod").metadata.annotations
    assert after["deployment.kubernetes.io/revision"] != before["deployment.kubernetes.io/revision"]
