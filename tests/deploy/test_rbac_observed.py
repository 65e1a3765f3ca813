"""The ServiceAccount's RBAC is exactly what the code uses.

Every cluster tool runs against the sandbox (reads, dry runs, approved executions, a wrong name
that makes it list what exists); the sandbox records each request the official client sends, as
an API server's audit log would, turned into RBAC's (group, resource, verb). Each tool must use
only what it declares; everything declared must be used by some run (nothing granted for
nothing); and the committed ClusterRole grants exactly the declarations.

The retrain Job runs through the Job functions themselves (the tool's MLflow half is not needed
to see what it asks the API for); the approval store is a stand-in gate that accepts exactly the
previewed action hash.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from opsgraph.agent.settings import Settings
from opsgraph.core.kube_access import triples
from opsgraph.sandbox.scenario import default_scenario_path
from opsgraph.serving.manifests import rbac
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import ToolError
from opsgraph.tools.k8s._client import ClusterClient
from opsgraph.tools.registry import REGISTRY, load_builtin_tools
from opsgraph.tools.results import ToolResult
from tests.deploy.kube_recorder import Recorder, Triple, rbac_triple, recording

ROOT = Path(__file__).resolve().parents[2]
GPU_SCENARIO = default_scenario_path().parent / "gpu.yaml"
# Where the plan converts nodes to MIG and time-slicing (the device-plugin ConfigMap, Deployments patched).
SHARING_SCENARIO = ROOT / "tests" / "gpu" / "scenarios" / "sharing.yaml"
EXERCISED = {
    "k8s_status", "k8s_logs", "k8s_scale", "k8s_deploy", "k8s_restart", "k8s_rollback",
    "model_retrain", "gpu_status", "gpu_rebalance_plan", "gpu_rebalance_apply",
}  # fmt: skip


class ExactGate:
    """Accepts an approval only for the action hash it was issued for (the id is the hash here)."""

    def consume(self, approval_id: str, action_hash: str, *, actor: str) -> None:
        assert approval_id == action_hash, "approved a different action than the one run"


def _ctx(kubeconfig: Path) -> ToolContext:
    return ToolContext(
        Settings(rollout_timeout_s=20),
        actor="alice",
        cluster_factory=lambda: ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5),
        approvals=ExactGate(),
    )


def _approved(ctx: ToolContext, tool: str, args: dict[str, Any]) -> ToolResult:
    preview = REGISTRY.call(tool, args, ctx)
    assert preview.status == "approval_required", preview.text
    return REGISTRY.call(tool, args, ctx, approval_id=preview.action_hash)


@pytest.fixture
def gpu_sandbox(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    yield from _serve(tmp_path / "gpu", GPU_SCENARIO)


@pytest.fixture
def sharing_sandbox(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    yield from _serve(tmp_path / "sharing", SHARING_SCENARIO)


def _serve(folder: Path, scenario: Path) -> Iterator[tuple[Any, Path]]:
    from opsgraph.sandbox.server import SandboxServer

    server = SandboxServer(folder / "state.json", scenario=scenario, time_scale=0.005).start()
    try:
        yield server, server.write_kubeconfig(folder / "kubeconfig")
    finally:
        server.stop()


def _check_declared(tool: str, seen: set[Triple]) -> None:
    declared = triples(REGISTRY.get(tool).kube_access)  # type: ignore[union-attr]
    assert seen, f"{tool} made no API request: the run did not exercise it"
    assert seen <= declared, f"{tool} uses {sorted(seen - declared)} without declaring it in kube_access"


@pytest.mark.slow
def test_every_request_is_declared_and_every_declaration_is_used(
    sandbox: Any, gpu_sandbox: Any, sharing_sandbox: Any
) -> None:
    load_builtin_tools()
    used: set[Triple] = set()

    def run(recorder: Recorder, tool: str, calls: list[tuple[str, dict[str, Any]]], ctx: ToolContext) -> None:
        for how, args in calls:
            result = _approved(ctx, tool, args) if how == "execute" else REGISTRY.call(tool, args, ctx)
            assert result.status in ("ok", "error", "approval_required"), result.text
        seen = recorder.take()
        _check_declared(tool, seen)
        used.update(seen)

    ctx = _ctx(sandbox.kubeconfig)
    wrong = {"namespace": "prod", "name": "chekout"}  # a wrong name: the tools list what exists
    with recording(sandbox.server) as rec:
        checkout = {"namespace": "prod", "name": "checkout"}
        run(rec, "k8s_status", [("read", {}), ("read", checkout), ("read", wrong)], ctx)
        run(rec, "k8s_logs", [("read", {"namespace": "prod", "name": "checkout"}), ("read", wrong)], ctx)
        run(
            rec,
            "k8s_scale",
            [("read", {**wrong, "replicas": 2}), ("execute", {"namespace": "prod", "name": "checkout", "replicas": 4})],
            ctx,
        )
        run(rec, "k8s_deploy", [("execute", {"namespace": "staging", "name": "cart", "version": "9.9.9"})], ctx)
        run(rec, "k8s_restart", [("execute", {"namespace": "prod", "name": "cart"})], ctx)
        run(rec, "k8s_rollback", [("execute", {"namespace": "staging", "name": "cart"})], ctx)

        from opsgraph.agent.services import cluster_inventory, cluster_topology

        settings = Settings(cluster="kubeconfig", kubeconfig=sandbox.kubeconfig)
        cluster_inventory(settings, ctx._cluster_factory)()  # type: ignore[arg-type]
        seen = rec.take()
        inventory = triples(rbac.AGENT_ACCESS["planner inventory (agent.services.cluster_inventory)"])
        assert seen and seen <= inventory, f"the inventory uses {sorted(seen - inventory)} undeclared"
        used |= seen
        topology = cluster_topology(settings)
        assert topology.kinds, "the topology came back empty: it did not read the cluster"
        seen = rec.take()
        declared = triples(rbac.AGENT_ACCESS["alert topology (agent.services.cluster_topology)"])
        assert seen and seen <= declared, f"the topology uses {sorted(seen - declared)} undeclared"
        used |= seen

        from opsgraph.tools.models.retrain import RetrainPlan, create_job, job_exists
        from opsgraph.tools.models.settings import ModelsSettings

        plan = RetrainPlan("fraud-detector", 1, "/data/x.csv", "k" * 16, {}, "job", [], None, "retrain-x", "ml", "")
        job_exists(ctx.cluster, plan)
        with contextlib.suppress(ToolError):  # a sandbox without batch/v1 answers 404; the request is what counts
            create_job(ctx.cluster, plan, ModelsSettings())
        seen = rec.take()
        _check_declared("model_retrain", seen)
        used |= seen

    gpu_server, gpu_kubeconfig = gpu_sandbox
    gctx = _ctx(gpu_kubeconfig)
    with recording(gpu_server) as rec:
        run(rec, "gpu_status", [("read", {})], gctx)
        run(rec, "gpu_rebalance_plan", [("read", {})], gctx)
        run(rec, "gpu_rebalance_apply", [("execute", {})], gctx)
    sharing_server, sharing_kubeconfig = sharing_sandbox
    with recording(sharing_server) as rec:
        sctx = _ctx(sharing_kubeconfig)
        run(rec, "gpu_rebalance_apply", [("execute", {})], sctx)
        # The apply created the device plugin's ConfigMap; a second profile is patched into it.
        from opsgraph.tools.gpu._client import GpuApi
        from opsgraph.tools.gpu.convert import sharing_config

        sharing_config(GpuApi(sctx.cluster), "gpu-operator/time-slicing-config", "opsgraph-shared-2", 2)
        seen = rec.take()
        _check_declared("gpu_rebalance_apply", seen)
        used |= seen

    everything = triples(a for accesses in rbac.declared().values() for a in accesses)
    assert everything - used == set(), f"declared but never used by any run: {sorted(everything - used)}"


def test_the_committed_cluster_role_grants_exactly_the_declarations() -> None:
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "base" / "rbac.yaml").read_text()))
    role = next(d for d in documents if d["kind"] == "ClusterRole")
    granted = rbac.rule_triples(role["rules"])
    needed = triples(a for accesses in rbac.declared().values() for a in accesses)
    assert needed - granted == set(), f"the ClusterRole lacks {sorted(needed - granted)}: `opsgraph deploy generate`"
    assert granted - needed == set(), f"the ClusterRole grants {sorted(granted - needed)} that nothing declares"
    assert not any("*" in v for r in role["rules"] for v in (*r["verbs"], *r["resources"], *r["apiGroups"]))


def test_every_tool_that_reaches_for_the_cluster_declares_its_access() -> None:
    """A tool whose handler or dry run uses `ctx.cluster` must declare; a declared tool must be one
    the sandbox run above exercises (add it there)."""
    import inspect

    load_builtin_tools()
    for tool in REGISTRY:
        parts = [f for f in (tool.handler, tool.dry_run, tool.landed) if f is not None]
        if any("ctx.cluster" in inspect.getsource(f) for f in parts):
            assert tool.kube_access, f"{tool.name} talks to the cluster but declares no kube_access"
    declared = {t.name for t in REGISTRY if t.kube_access}
    assert declared == EXERCISED, f"run these against the sandbox in this file: {sorted(declared ^ EXERCISED)}"


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces", {}, ("", "namespaces", "list")),
        ("GET", "/api/v1/namespaces/prod", {}, ("", "namespaces", "get")),
        ("GET", "/api/v1/namespaces/prod/pods/p1/log", {}, ("", "pods/log", "get")),
        ("POST", "/api/v1/namespaces/prod/pods/p1/eviction", {}, ("", "pods/eviction", "create")),
        ("GET", "/apis/apps/v1/namespaces/prod/deployments", {"watch": "true"}, ("apps", "deployments", "watch")),
        ("GET", "/apis/apps/v1/watch/namespaces/prod/deployments", {}, ("apps", "deployments", "watch")),
        ("PATCH", "/apis/apps/v1/namespaces/prod/deployments/c/scale", {}, ("apps", "deployments/scale", "patch")),
        ("GET", "/api/v1/namespaces/gpu/services/dcgm%3A9400/proxy/metrics", {}, ("", "services/proxy", "get")),
        ("DELETE", "/api/v1/namespaces/prod/pods", {}, ("", "pods", "deletecollection")),
        ("GET", "/apis", {}, None),
        ("GET", "/version", {}, None),
    ],
)
def test_requests_read_as_rbac_checks_them(
    method: str, path: str, query: dict[str, str], expected: Triple | None
) -> None:
    assert rbac_triple(method, path, query) == expected
