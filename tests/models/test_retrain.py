"""Retraining after approval: the default training command, run for real against the registry."""

from __future__ import annotations

import pytest

from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY
from tests.support.k8s import approve_and_run


@pytest.mark.slow
def test_retrain_as_a_command_registers_a_challenger_once(ctx: ToolContext) -> None:
    preview = REGISTRY.call("model_retrain", {"model": "fraud-detector"}, ctx)
    assert preview.status == "approval_required" and "retrain fraud-detector from version 1" in (preview.diff or "")
    assert "-m opsgraph.tools.models.train" in (preview.diff or "")
    done = approve_and_run(ctx, "model_retrain", {"model": "fraud-detector"})
    assert done.status == "ok", done.text
    assert done.data["version"] == 3 and done.data["existing"] is False
    status = REGISTRY.call("model_status", {"model": "fraud-detector"}, ctx)
    assert status.data["aliases"] == {"champion": 1, "challenger": 3}
    new = status.data["versions"][2]
    assert new["params"] == status.data["versions"][0]["params"]
    again = REGISTRY.call("model_retrain", {"model": "fraud-detector"}, ctx)
    assert again.no_op and "already trained" in again.text


def test_retrain_as_a_job_names_the_job_in_the_diff(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Job path up to the cluster: the sandbox serves no batch/v1 Jobs yet, so this checks the
    plan and manifest, not a created Job."""
    from opsgraph.tools.models.context import models_settings, store
    from opsgraph.tools.models.retrain import job_manifest, plan_retrain

    settings = models_settings(ctx).model_copy(update={"retrain_mode": "job"})
    plan = plan_retrain(store(ctx), settings, "fraud-detector", None, None)
    manifest = job_manifest(plan, settings)
    assert manifest["metadata"]["namespace"] == "ml" and manifest["metadata"]["name"].startswith("retrain-fraud-")
    args = manifest["spec"]["template"]["spec"]["containers"][0]["args"]
    assert (
        args[:2] == ["-m", "opsgraph.tools.models.train"]
        and "--version" in args
        and args[args.index("--version") + 1] == "1"
    )
    assert f"creates Job ml/{plan.job_name}" in plan.diff()
