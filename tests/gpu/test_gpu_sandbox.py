"""The GPU tools against the sandbox serving sandbox/scenarios/gpu.yaml over HTTP, through the
official client: inventory with dcgm-exporter utilisation, the Eviction API honouring disruption
budgets, and a plan applied with approval."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.settings import Settings
from opsgraph.sandbox.scenario import default_scenario_path
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._client import ClusterClient
from opsgraph.tools.registry import REGISTRY, load_builtin_tools
from tests.support.k8s import approve_and_run

SCENARIO = default_scenario_path().parent / "gpu.yaml"


@pytest.fixture
def gpu_cluster(tmp_path: Path, isolated_state: Path) -> Iterator[tuple[ToolContext, Any]]:
    from kubernetes import client, config

    from opsgraph.sandbox.server import SandboxServer

    server = SandboxServer(tmp_path / "sandbox" / "state.json", scenario=SCENARIO, time_scale=0.005).start()
    try:
        kubeconfig = server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig")
        load_builtin_tools()
        ctx = ToolContext(
            Settings(),
            actor="alice",
            cluster_factory=lambda: ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5),
            approvals=ApprovalStore(isolated_state / "state.sqlite"),
        )
        core = client.CoreV1Api(config.new_client_from_config(str(kubeconfig), persist_config=False))
        yield ctx, core
    finally:
        server.stop()


def _settled(core: Any, timeout_s: float = 30.0) -> None:
    """Wait until every GPU pod runs and two looks a moment apart see the same pods."""
    import time

    deadline = time.monotonic() + timeout_s
    last: dict[str, tuple[str, str]] | None = None
    while time.monotonic() < deadline:
        pods = _gpu_pods(core)
        if pods == last and all(phase == "Running" for _, phase in pods.values()):
            return
        last = pods
        time.sleep(0.2)
    raise AssertionError(f"the GPU pods did not settle: {last}")


def _gpu_pods(core: Any) -> dict[str, tuple[str, str]]:
    """pod -> (node, phase) for live GPU pods."""
    out = {}
    for p in core.list_pod_for_all_namespaces().items:
        limits = p.spec.containers[0].resources.limits or {}
        if "nvidia.com/gpu" in limits and p.metadata.deletion_timestamp is None:
            out[f"{p.metadata.namespace}/{p.metadata.name}"] = (p.spec.node_name, p.status.phase)
    return out


def test_status_reads_nodes_pods_and_dcgm_utilisation_from_the_cluster(gpu_cluster: tuple[ToolContext, Any]) -> None:
    ctx, _ = gpu_cluster
    result = REGISTRY.call("gpu_status", {}, ctx)
    assert result.status == "ok", result.text
    assert result.data["totals"]["gpu_nodes"] == 6 and result.data["totals"]["gpus"] == 48
    assert result.data["utilisation"].startswith("dcgm-exporter")
    chat = next(w for w in result.data["workloads"] if w["workload"] == "ml/Deployment/llm-chat")
    assert chat["util_pct"] == 61.0 and chat["gpus"] == 6
    assert "fits nowhere" in result.text  # the scheduler spread the replicas: no 8 free GPUs on one node


def test_eviction_respects_the_disruption_budget(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from kubernetes.client.exceptions import ApiException

    _, core = gpu_cluster
    chat = sorted(k.split("/")[1] for k in _gpu_pods(core) if k.startswith("ml/llm-chat-"))
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": chat[0], "namespace": "ml"}}
    core.create_namespaced_pod_eviction(chat[0], "ml", body)  # minAvailable 2 of 3: one may go
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod_eviction(chat[1], "ml", {**body, "metadata": {"name": chat[1], "namespace": "ml"}})
    assert refused.value.status == 429
    status = json.loads(refused.value.body)
    assert status["reason"] == "TooManyRequests" and "disruption budget" in status["message"]
    assert "needs 2 healthy pods and has 2 currently" in status["details"]["causes"][0]["message"]


def test_apply_needs_approval_and_then_frees_the_nodes_it_planned(gpu_cluster: tuple[ToolContext, Any]) -> None:
    ctx, core = gpu_cluster
    preview = REGISTRY.call("gpu_rebalance_apply", {}, ctx)
    assert preview.status == "approval_required"
    assert "cordon gpu-" in (preview.diff or "") and "move ml/" in (preview.diff or "")
    assert _gpu_pods(core)  # nothing changed yet
    planned = preview.data
    freed = {a["target"] for a in planned["actions"] if a["kind"] == "cordon"}
    assert len(freed) == planned["nodes_freed"] == 3 and planned["gap_to_lower_bound"] == 0

    result = approve_and_run(ctx, "gpu_rebalance_apply", {})
    assert result.status == "ok", result.text
    print(result.text)
    assert not result.data["failed"]
    pods = _gpu_pods(core)
    assert all(phase == "Running" for _, phase in pods.values())
    assert not {node for node, _ in pods.values()} & freed
    for name in freed:
        assert core.read_node(name).spec.unschedulable is True
    used = {node for node, _ in pods.values()}
    kept = {n.metadata.name for n in core.list_node().items if n.metadata.name.startswith("gpu-")} - freed
    assert used == kept and all(not core.read_node(n).spec.unschedulable for n in kept)
    assert sum(1 for k in pods if k.startswith("ml/llm-chat-")) == 3
    assert not any(k.startswith("ml/summarizer-canary-") for k in pods)  # idle and allowed: scaled to zero

    again = REGISTRY.call("gpu_rebalance_apply", {}, ctx)  # a re-run finds nothing left to move
    assert "nothing to move" in (again.diff or "") or not [a for a in again.data["actions"] if a["kind"] == "move"]


def test_cordon_uncordon_and_labels_go_through_node_patches(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from kubernetes.client.exceptions import ApiException

    from opsgraph.tools.gpu._client import GpuApi

    ctx, core = gpu_cluster
    api = GpuApi(ctx.cluster)
    api.patch_node("gpu-a100-3", {"spec": {"unschedulable": True}, "metadata": {"labels": {"team": "ml"}}})
    node = core.read_node("gpu-a100-3")
    assert node.spec.unschedulable is True and node.metadata.labels["team"] == "ml"
    assert node.status.allocatable["nvidia.com/gpu"] == "8"  # status is the kubelet's, untouched by a patch
    api.patch_node("gpu-a100-3", {"spec": {"unschedulable": None}})
    assert not core.read_node("gpu-a100-3").spec.unschedulable
    with pytest.raises(ApiException) as invalid:
        core.patch_node("gpu-a100-3", {"spec": {"unschedulable": "yes"}})
    assert invalid.value.status == 422


def test_discovery_lists_the_policy_group_and_the_eviction_subresource(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from kubernetes import client

    _, core = gpu_cluster
    groups = client.ApisApi(core.api_client).get_api_versions()
    assert "policy" in [g.name for g in groups.groups]
    resources = {r.name: r for r in core.get_api_resources().resources}
    assert resources["pods/eviction"].kind == "Eviction" and "create" in resources["pods/eviction"].verbs
    assert "patch" in resources["nodes"].verbs
    pdbs = client.PolicyV1Api(core.api_client).list_pod_disruption_budget_for_all_namespaces().items
    assert sorted(p.metadata.name for p in pdbs) == ["embeddings", "llm-chat"]


def test_an_unknown_service_proxy_is_a_404_like_the_api_server(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from kubernetes.client.exceptions import ApiException

    _, core = gpu_cluster
    text = core.connect_get_namespaced_service_proxy_with_path("nvidia-dcgm-exporter:9400", "gpu-operator", "metrics")
    assert "DCGM_FI_DEV_GPU_UTIL{" in text and 'pod="llm-chat-' in text
    with pytest.raises(ApiException) as missing:
        core.connect_get_namespaced_service_proxy_with_path("grafana:3000", "monitoring", "metrics")
    assert missing.value.status == 404


def test_a_cluster_change_after_approval_stops_the_apply(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from kubernetes import client

    ctx, core = gpu_cluster
    preview = REGISTRY.call("gpu_rebalance_apply", {}, ctx)
    store = ctx.approvals
    assert isinstance(store, ApprovalStore) and preview.action_hash
    approval = store.create(thread_id="t", tool="gpu_rebalance_apply", args={}, diff=preview.diff or "",
                            action_hash=preview.action_hash, risk="destructive", requester="alice", reason="test",
                            ttl_s=60)  # fmt: skip
    store.decide(approval.id, approve=True, by="bob")
    budget = {
        "metadata": {"name": "reranker"},
        "spec": {"minAvailable": "100%", "selector": {"matchLabels": {"app": "reranker"}}},
    }
    client.PolicyV1Api(core.api_client).create_namespaced_pod_disruption_budget("ml", budget)
    before = _gpu_pods(core)
    result = REGISTRY.call("gpu_rebalance_apply", {}, ctx, approval_id=approval.id)
    assert result.status == "error" and result.error is not None and result.error.kind == "approval_invalid"
    assert _gpu_pods(core) == before


def test_a_step_that_does_not_settle_stops_the_run_and_says_how_to_undo(gpu_cluster: tuple[ToolContext, Any]) -> None:
    from opsgraph.tools.gpu.settings import GpuSettings

    ctx, core = gpu_cluster
    ctx.extras["gpu_settings"] = GpuSettings(apply_timeout_s=0.001)  # no replacement runs that fast
    failed = approve_and_run(ctx, "gpu_rebalance_apply", {})
    assert failed.status == "error" and failed.error is not None
    assert "stopped: move ml/" in failed.text and "no replacement" in failed.text
    assert failed.error.hint and "uncordon gpu-" in failed.error.hint
    ctx.extras["gpu_settings"] = GpuSettings()
    _settled(core)  # the stopped move's replacement pod comes up; then the plan stands still
    retried = approve_and_run(ctx, "gpu_rebalance_apply", {})  # safe to retry: re-planned from the cluster now
    assert retried.status == "ok", retried.text
    assert all(phase == "Running" for _, phase in _gpu_pods(core).values())
