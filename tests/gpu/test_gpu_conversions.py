"""Applying MIG and time-slicing conversions on the sandbox, where a simulated GPU operator
(sandbox/gpu_operator.py) repartitions a node when its `nvidia.com/mig.config` label changes and
the device plugin advertises time-sliced GPUs from its ConfigMap: one approval for the plan, every
step journaled and audited, and a run killed mid-way resumed under the same approval hash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import AuditLog
from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._client import ClusterClient
from opsgraph.tools.registry import REGISTRY, load_builtin_tools
from tests.support.k8s import approve_and_run

SCENARIO = Path(__file__).parent / "scenarios" / "sharing.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture
def sharing_cluster(tmp_path: Path, isolated_state: Path) -> Iterator[tuple[ToolContext, Any]]:
    from kubernetes import client, config

    from opsgraph.sandbox.server import SandboxServer

    server = SandboxServer(tmp_path / "sandbox" / "state.json", scenario=SCENARIO, time_scale=0.005).start()
    try:
        kubeconfig = server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig")
        load_builtin_tools()
        settings = Settings()
        audit = AuditLog(settings.database_for(settings.audit_db))  # the sink the agent passes in
        ctx = ToolContext(
            settings,
            actor="alice",
            cluster_factory=lambda: ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5),
            approvals=ApprovalStore(isolated_state / "state.sqlite"),
            audit=audit,
        )
        core = client.CoreV1Api(config.new_client_from_config(str(kubeconfig), persist_config=False))
        yield ctx, core
        audit.close()
    finally:
        server.stop()


def _pods(core: Any, app: str) -> list[Any]:
    return [p for p in core.list_namespaced_pod("ml", label_selector=f"app={app}").items
            if p.metadata.deletion_timestamp is None]  # fmt: skip


def _requests(pod: Any) -> dict[str, str]:
    return dict(pod.spec.containers[0].resources.limits or {}) | dict(pod.spec.containers[0].resources.requests or {})


def _assert_converted(core: Any) -> None:
    mig = core.read_node("gpu-a100-2")
    assert mig.metadata.labels["nvidia.com/mig.config"] == "all-1g.10gb"
    assert mig.metadata.labels["nvidia.com/mig.config.state"] == "success"
    assert mig.status.allocatable["nvidia.com/mig-1g.10gb"] == "56" and mig.status.allocatable["nvidia.com/gpu"] == "0"
    assert not mig.spec.unschedulable
    for app in ("embeddings", "reranker"):
        pods = _pods(core, app)
        assert len(pods) == 10
        assert {(p.spec.node_name, p.status.phase) for p in pods} == {("gpu-a100-2", "Running")}
        assert all(_requests(p).get("nvidia.com/mig-1g.10gb") == "1" and "nvidia.com/gpu" not in _requests(p)
                   for p in pods)  # fmt: skip
    shared = core.read_node("gpu-l4-1")
    assert shared.status.allocatable["nvidia.com/gpu"] == "16"
    assert shared.metadata.labels["nvidia.com/gpu.sharing-strategy"] == "time-slicing"
    assert any(t.key == "nvidia.com/gpu.shared" for t in shared.spec.taints)
    ocr = _pods(core, "ocr")
    assert len(ocr) == 6 and {(p.spec.node_name, p.status.phase) for p in ocr} == {("gpu-l4-1", "Running")}
    configmap = core.read_namespaced_config_map("time-slicing-config", "gpu-operator")
    assert "replicas: 4" in configmap.data["opsgraph-shared-4"]
    for freed in ("gpu-a100-3", "gpu-l4-2"):
        assert core.read_node(freed).spec.unschedulable is True
        assert not [p for p in core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={freed}").items
                    if p.metadata.deletion_timestamp is None]  # fmt: skip
    job = core.read_namespaced_pod("bert-pretrain-0-x7k2p", "research")  # a Job is never moved
    assert job.spec.node_name == "gpu-a100-1" and job.status.phase == "Running"


def test_apply_converts_nodes_to_mig_and_time_slicing_and_moves_the_light_pods(
    sharing_cluster: tuple[ToolContext, Any],
) -> None:
    ctx, core = sharing_cluster
    preview = REGISTRY.call("gpu_rebalance_apply", {}, ctx)
    assert preview.status == "approval_required"
    diff = preview.diff or ""
    assert "mig gpu-a100-2" in diff and "time_slice gpu-l4-1" in diff
    assert "drain gpu-a100-2" in diff and "retarget ml/Deployment/embeddings" in diff
    assert core.read_node("gpu-a100-2").metadata.labels["nvidia.com/mig.config"] == "all-disabled"  # nothing yet

    result = approve_and_run(ctx, "gpu_rebalance_apply", {})
    assert result.status == "ok", result.text
    _assert_converted(core)
    embeddings = client_apps(core).read_namespaced_deployment("embeddings", "ml")
    original = json.loads(embeddings.metadata.annotations["opsgraph.io/gpu-sharing-original"])
    assert original["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}  # kept for undo

    steps = diff.split("steps (each journaled and verified; one approval covers them all):\n")[1].splitlines()
    audit = _audit_rows(ctx)
    assert [row["step"] for row in audit] == [line.split(". ", 1)[1] for line in steps]  # one row per step, in order
    assert {row["plan"] for row in audit} == {preview.data["plan_id"]}

    again = REGISTRY.call("gpu_rebalance_apply", {}, ctx)  # converged: nothing left to convert or move
    assert not [a for a in again.data["actions"] if a["kind"] in ("mig", "time_slice", "move")], again.diff


def client_apps(core: Any) -> Any:
    from kubernetes import client

    return client.AppsV1Api(core.api_client)


def _audit_rows(ctx: ToolContext) -> list[dict[str, Any]]:
    log = AuditLog(ctx.settings.database_for(ctx.settings.audit_db))
    try:
        rows = [r.data for r in log.entries(event="gpu_apply_step")]
    finally:
        log.close()
    return rows


def test_a_run_killed_mid_step_resumes_under_the_same_approval_hash(
    sharing_cluster: tuple[ToolContext, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsgraph.tools.gpu import convert

    ctx, core = sharing_cluster
    first = REGISTRY.call("gpu_rebalance_apply", {}, ctx)
    real_retarget = convert.retarget

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # the process dies after the step's `begin` reached the journal

    monkeypatch.setattr(convert, "retarget", killed)
    with pytest.raises(KeyboardInterrupt):
        approve_and_run(ctx, "gpu_rebalance_apply", {})
    assert core.read_node("gpu-a100-2").metadata.labels["nvidia.com/mig.config"] == "all-1g.10gb"  # half done
    tool = REGISTRY.get("gpu_rebalance_apply")
    assert tool is not None and tool.landed is not None
    assert tool.landed(tool.args_model(), ctx, 0.0) is False  # reconcile: interrupted, so a retry is allowed

    monkeypatch.setattr(convert, "retarget", real_retarget)
    again = REGISTRY.call("gpu_rebalance_apply", {}, ctx)
    assert again.action_hash == first.action_hash  # what `opsgraph approve <interrupted id>` checks
    assert again.data["resumes"]["steps_done"] >= 5
    result = approve_and_run(ctx, "gpu_rebalance_apply", {})
    assert result.status == "ok", result.text
    assert result.data["resumed_steps"] >= 5 and result.data["plan_id"] == first.data["plan_id"]
    _assert_converted(core)
    assert tool.landed(tool.args_model(), ctx, 0.0) is True


def test_the_mig_manager_refuses_a_node_whose_gpus_are_in_use(sharing_cluster: tuple[ToolContext, Any]) -> None:
    import time

    _, core = sharing_cluster
    core.patch_node("gpu-a100-1", {"metadata": {"labels": {"nvidia.com/mig.config": "all-1g.10gb"}}})
    deadline = time.monotonic() + 10
    while core.read_node("gpu-a100-1").metadata.labels["nvidia.com/mig.config.state"] != "failed":
        assert time.monotonic() < deadline, "the MIG manager never reported"
        time.sleep(0.05)
    node = core.read_node("gpu-a100-1")
    assert node.status.allocatable["nvidia.com/gpu"] == "8" and "nvidia.com/mig-1g.10gb" not in node.status.allocatable
    events = core.list_namespaced_event("default", field_selector="involvedObject.name=gpu-a100-1").items
    assert any(e.reason == "MigConfigFailed" and "GPUs in use by " in e.message for e in events)
