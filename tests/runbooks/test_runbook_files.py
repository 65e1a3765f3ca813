"""The shipped runbooks: enough of them, each readable, answering real alert names, and every
suggested action a valid call of a real tool (placeholders filled as an alert's labels would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.tools.registry import load_builtin_tools
from opsgraph.tools.runbooks.documents import RunbookError, load_all, parse

RUNBOOKS = load_all([], shipped=True)
# DESIGN.md's tool names: actions may name tools other capabilities are still building.
CONTRACT_TOOLS = set(
    "k8s_status k8s_deploy k8s_scale k8s_rollback k8s_restart k8s_logs drift_check model_promote model_rollback "
    "model_retrain alerts_list incident_show anomaly_scan gpu_status gpu_rebalance_plan gpu_rebalance_apply "
    "terraform_generate runbook_search model_status help".split()
)
LABELS = {"name": "checkout", "namespace": "prod", "model": "fraud", "version": "3", "image": "1.2.3",
          "request": "an s3 bucket for logs"}  # fmt: skip
ISSUE_TOPICS = [
    "pod-crash-looping", "oom-killed", "image-pull-errors", "high-error-rate", "high-latency", "node-not-ready",
    "node-disk-pressure", "certificate-expiry", "failed-rollout", "hpa-maxed-out", "pvc-full", "gpu-xid-errors",
    "gpu-fell-off-bus", "gpu-memory-exhausted", "mig-reconfiguration", "model-drift", "model-promotion-gate-failed",
    "llm-endpoint-degraded", "alertmanager-noise-and-silences", "terraform-plan-drift",
]  # fmt: skip


def test_at_least_twenty_runbooks_cover_the_issue_list() -> None:
    ids = {r.id for r in RUNBOOKS}
    assert len(ids) >= 20
    assert not [t for t in ISSUE_TOPICS if t not in ids]


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=[r.id for r in RUNBOOKS])
def test_runbook_answers_alerts_and_has_sections(runbook: object) -> None:
    from opsgraph.tools.runbooks.documents import Runbook

    assert isinstance(runbook, Runbook)
    assert runbook.alerts, "a runbook names the alerts it answers"
    assert all(a[0].isupper() and " " not in a for a in runbook.alerts)
    assert len(runbook.sections) >= 3
    assert runbook.actions, "steps should offer at least one tool call"


def test_kube_prometheus_names_are_spelled_as_the_rules_spell_them() -> None:
    alerts = {a for r in RUNBOOKS for a in r.alerts}
    expected = (
        "KubePodCrashLooping KubeNodeNotReady KubeHpaMaxedOut KubePersistentVolumeFillingUp "
        "NodeFilesystemAlmostOutOfSpace KubeDeploymentRolloutStuck CPUThrottlingHigh TargetDown"
    ).split()
    assert not [name for name in expected if name not in alerts]


ACTIONS = [(r.id, a) for r in RUNBOOKS for a in r.actions]


@pytest.mark.parametrize("action", ACTIONS, ids=[f"{rid}:{a.tool}" for rid, a in ACTIONS])
def test_suggested_action_is_a_valid_tool_call(action: tuple[str, object]) -> None:
    from opsgraph.tools.runbooks.documents import Action

    _, act = action
    assert isinstance(act, Action)
    assert act.tool in CONTRACT_TOOLS
    filled = act.filled(LABELS)
    assert filled["missing"] == [], f"placeholders without a label: {filled['missing']}"
    tool = load_builtin_tools().get(act.tool)
    if tool is None:
        pytest.skip(f"{act.tool} is not installed yet; its arguments cannot be checked")
    tool.args_model.model_validate(filled["args"])


def test_placeholders_stay_visible_when_no_label_fills_them() -> None:
    crash = next(r for r in RUNBOOKS if r.id == "pod-crash-looping")
    logs = next(a for a in crash.actions if a.tool == "k8s_logs")
    filled = logs.filled({"namespace": "prod"})
    assert filled["args"]["name"] == "{name}" and filled["args"]["namespace"] == "prod"
    assert filled["missing"] == ["name"] and filled["args"]["previous"] is True


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# no front matter\n## A\nx\n", "no front matter"),
        ("---\ntitle: x\n---\n## A\nb\n", "title"),
        ("---\ntitle: Disk\nsummary: when the disk is full\nalerts: [not an alert]\n---\n## A\nb\n", "not an alert"),
        ("---\ntitle: Disk\nsummary: when the disk is full\n---\n## A\n```opsgraph\n- tool: k8s_scale\n```\n", "why"),
    ],
)
def test_bad_runbook_files_are_named_with_the_reason(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.md"
    path.write_text(text)
    with pytest.raises(RunbookError) as err:
        parse(path)
    assert str(err.value).startswith(str(path)) and problem in str(err.value)
