"""Retraining after approval: the default training command, run for real against the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY
from tests.sandbox.sandbox_testkit import wait_for
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


def test_retrain_as_a_job_runs_on_the_sandbox_after_approval(
    ctx: ToolContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """model_retrain's Job path against the sandbox's batch/v1 API through the official client:
    the Job is created only with the approval, carries the plan, runs to completion, and a second
    request finds it and changes nothing."""
    from kubernetes import client

    from opsgraph.sandbox.server import SandboxServer
    from opsgraph.tools.k8s._client import ClusterClient
    from opsgraph.tools.models.context import store
    from opsgraph.tools.models.retrain import plan_retrain
    from opsgraph.tools.models.settings import ModelsSettings

    monkeypatch.setenv("OPSGRAPH_MODELS_RETRAIN_MODE", "job")
    monkeypatch.setenv("OPSGRAPH_MODELS_JOB_IMAGE", "ghcr.io/acme/trainer:2.3.0")
    with SandboxServer(tmp_path / "sandbox.json", time_scale=0.005) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        job_ctx = ToolContext(ctx.settings, actor=ctx.actor, approvals=ctx.approvals,
                              cluster_factory=lambda: ClusterClient.from_kubeconfig(kubeconfig, context=None,
                                                                                    timeout_s=10))  # fmt: skip
        plan = plan_retrain(store(job_ctx), ModelsSettings(), "fraud-detector", None, None)
        batch = client.BatchV1Api(job_ctx.cluster._api_client)
        preview = REGISTRY.call("model_retrain", {"model": "fraud-detector"}, job_ctx)
        assert preview.status == "approval_required" and f"creates Job ml/{plan.job_name}" in (preview.diff or "")
        assert batch.list_namespaced_job("ml").items == []  # nothing before the approval
        done = approve_and_run(job_ctx, "model_retrain", {"model": "fraud-detector"})
        assert done.status == "ok" and done.data["job"] == plan.job_name, done.text
        job = batch.read_namespaced_job(plan.job_name, "ml")
        assert job.metadata.labels["opsgraph/training-key"] == plan.key
        args = job.spec.template.spec.containers[0].args
        assert args[:2] == ["-m", "opsgraph.tools.models.train"] and args[args.index("--version") + 1] == "1"
        assert job.spec.template.spec.restart_policy == "Never" and job.spec.backoff_limit == 0
        finished = wait_for(lambda: (j := batch.read_namespaced_job(plan.job_name, "ml")).status.succeeded and j)
        assert {c.type for c in finished.status.conditions} == {"SuccessCriteriaMet", "Complete"}
        again = REGISTRY.call("model_retrain", {"model": "fraud-detector"}, job_ctx)
        assert again.no_op and "exists already" in again.text, again.text
        assert len(batch.list_namespaced_job("ml").items) == 1
