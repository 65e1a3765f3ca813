"""Faults as an investigator finds them with the official client (what `kubectl describe` shows:
states, reasons, restart counts, events, conditions), and that clearing them restores health.

Faults on different deployments share one server (each test clears its own); faults that touch
the whole cluster (nodes, taints) and scenario faults get a fresh server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import CoreV1Api

from opsgraph.sandbox.faults import KINDS, Fault, FaultError, parse
from opsgraph.sandbox.scenario import ScenarioError, default_scenario_path, load_scenario
from opsgraph.sandbox.server import SandboxServer
from opsgraph.sandbox.tables import pod_status_reason
from tests.sandbox.sandbox_testkit import Cluster, connect, rollout_complete, wait_for

FAST = 0.005  # 10 s of back-off is 50 ms; a 300 s toleration is 1.5 s


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("faults")
    with SandboxServer(tmp / "state.json", time_scale=FAST) as server:
        yield connect(server, tmp / "kubeconfig")


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Cluster]:
    with SandboxServer(tmp_path / "state.json", time_scale=FAST) as server:
        yield connect(server, tmp_path / "kubeconfig")


def _pods(c: Cluster, ns: str, app: str, *, live: bool = True) -> list[Any]:
    pods = c.core.list_namespaced_pod(ns, label_selector=f"app={app}").items
    return [p for p in pods if not live or p.metadata.deletion_timestamp is None]


def _events(core: CoreV1Api, ns: str, name: str) -> list[str]:
    found = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={name}").items
    return [f"{e.reason}: {e.message}" for e in found]


def _healthy(c: Cluster, ns: str, name: str) -> bool:
    if not rollout_complete(c.apps, ns, name):
        return False
    pods = _pods(c, ns, name)
    return bool(pods) and all(
        p.status.phase == "Running" and all(cs.ready for cs in p.status.container_statuses) for p in pods
    )


def _status(pod: Any) -> Any:
    return pod.status.container_statuses[0]


def _inject(c: Cluster, kind: str, target: str, **params: Any) -> dict[str, Any]:
    record = c.server.inject(Fault(kind=kind, target=target, params=params))
    assert c.server.wait_manifested(15), f"{kind} on {target} never showed"
    return record


def _clear_and_recover(c: Cluster, kind: str, ns: str, name: str) -> None:
    assert [f["kind"] for f in c.server.clear(kind, f"{ns}/{name}")] == [kind]
    wait_for(lambda: _healthy(c, ns, name), timeout=15)
    assert c.server.faults() == [] or all(f["target"] != f"{ns}/{name}" for f in c.server.faults())


# -- crash loops --------------------------------------------------------------------------------
def test_crashloop_in_place_restarts_with_exit_1_and_logs_the_missing_variable(shared: Cluster) -> None:
    _inject(shared, "crashloop", "prod/checkout", reason="missing-env", env="PAYMENT_PROVIDER_URL")
    pods = _pods(shared, "prod", "checkout")
    assert len(pods) == 3  # every replica: nothing was rolled out, the running pods started failing
    pod = next(p for p in pods if _status(p).state.waiting)
    status = _status(pod)
    assert pod.status.phase == "Running" and not status.ready and status.restart_count >= 1
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert "restarting failed container=checkout" in status.state.waiting.message
    assert (status.last_state.terminated.reason, status.last_state.terminated.exit_code) == ("Error", 1)
    assert pod_status_reason(shared.core.api_client.sanitize_for_serialization(pod)) == "CrashLoopBackOff"
    assert any(
        e.startswith("BackOff: Back-off restarting failed container checkout")
        for e in _events(shared.core, "prod", pod.metadata.name)
    )
    log = shared.core.read_namespaced_pod_log(pod.metadata.name, "prod", previous=True)
    assert "required environment variable PAYMENT_PROVIDER_URL is not set" in log and "exit_code=1" in log
    dep = shared.apps.read_namespaced_deployment("checkout", "prod")
    assert (dep.status.ready_replicas or 0) < 3
    _clear_and_recover(shared, "crashloop", "prod", "checkout")
    # Recovered in place: same pods, their restarts counted, no new revision.
    assert {p.metadata.name for p in _pods(shared, "prod", "checkout")} == {p.metadata.name for p in pods}


def test_crashloop_with_a_release_only_breaks_the_new_replicaset_and_a_rollback_fixes_it(shared: Cluster) -> None:
    record = _inject(shared, "crashloop", "prod/recommendation", rollout=True, reason="connection-refused")
    assert record["release_image"] == "registry.example.com/shop/recommendation:0.18.5"
    dep = shared.apps.read_namespaced_deployment("recommendation", "prod")
    assert dep.metadata.annotations["kubernetes.io/change-cause"] == "release 0.18.5"
    crashing = [p for p in _pods(shared, "prod", "recommendation") if not _status(p).ready]
    healthy = [p for p in _pods(shared, "prod", "recommendation") if _status(p).ready]
    assert crashing and healthy  # the rolling update keeps the old pods serving
    assert all(p.spec.containers[0].image.endswith(":0.18.5") for p in crashing)
    assert all(p.spec.containers[0].image.endswith(":0.18.4") for p in healthy)
    log = shared.core.read_namespaced_pod_log(crashing[0].metadata.name, "prod", previous=True)
    assert "failed to connect to postgres.prod.svc:5432" in log and "connection refused" in log
    _clear_and_recover(shared, "crashloop", "prod", "recommendation")
    image = shared.apps.read_namespaced_deployment("recommendation", "prod").spec.template.spec.containers[0].image
    assert image.endswith(":0.18.4")


def test_oom_shows_oomkilled_137_the_limit_a_node_event_and_usage_at_the_limit(shared: Cluster) -> None:
    _inject(shared, "oom", "prod/payments")
    pod = next(p for p in _pods(shared, "prod", "payments") if _status(p).state.waiting)
    status = _status(pod)
    assert pod.spec.containers[0].resources.limits["memory"] == "1Gi"
    assert (status.last_state.terminated.reason, status.last_state.terminated.exit_code) == ("OOMKilled", 137)
    assert status.state.waiting.reason == "CrashLoopBackOff" and status.restart_count >= 1
    node_events = _events(shared.core, "default", pod.spec.node_name)
    assert any(
        e.startswith("OOMKilling: Memory cgroup out of memory: Killed process") and "(payments)" in e
        for e in node_events
    )
    custom = client.CustomObjectsApi(shared.core.api_client)
    metrics = custom.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", "prod", "pods", pod.metadata.name)
    memory_ki = int(metrics["containers"][0]["usage"]["memory"].removesuffix("Ki"))
    assert 0.95 * 2**20 <= memory_ki <= 2**20  # 1Gi = 1048576Ki: the working set sits at the limit
    other = custom.get_namespaced_custom_object(
        "metrics.k8s.io", "v1beta1", "prod", "pods", _pods(shared, "prod", "cart")[0].metadata.name
    )
    assert int(other["containers"][0]["usage"]["memory"].removesuffix("Ki")) < 256 * 1024  # under its 256Mi request
    _clear_and_recover(shared, "oom", "prod", "payments")


def test_oom_after_a_release_lowered_the_limit_and_a_rollback_fixes_it(shared: Cluster) -> None:
    # Positional arguments work as well as keywords.
    shared.server.inject(Fault("oom", "staging/recommendation", {"limit": "256Mi"}), wait=15)
    dep = shared.apps.read_namespaced_deployment("recommendation", "staging")
    assert dep.metadata.annotations["kubernetes.io/change-cause"] == "memory limit 256Mi"
    assert dep.spec.template.spec.containers[0].resources.limits["memory"] == "256Mi"
    killed = [p for p in _pods(shared, "staging", "recommendation") if _status(p).last_state.terminated]
    assert killed and all(p.spec.containers[0].resources.limits["memory"] == "256Mi" for p in killed)
    assert all(p.spec.containers[0].resources.requests["memory"] == "256Mi" for p in killed)  # capped at the limit
    # A rollback to the previous template (what k8s_rollback does) ends the kills without clearing.
    before = shared.apps.list_namespaced_replica_set("staging", label_selector="app=recommendation").items
    old = next(rs for rs in before if rs.spec.template.spec.containers[0].resources.limits["memory"] == "1Gi")
    template = shared.apps.api_client.sanitize_for_serialization(old.spec.template)
    template["metadata"]["labels"].pop("pod-template-hash")
    shared.apps.patch_namespaced_deployment("recommendation", "staging", {"spec": {"template": template}})
    wait_for(lambda: _healthy(shared, "staging", "recommendation"), timeout=15)
    assert shared.server.clear("oom", "staging/recommendation")  # the record goes; the template stays rolled back
    assert (
        shared.apps.read_namespaced_deployment("recommendation", "staging")
        .spec.template.spec.containers[0]
        .resources.limits["memory"]
        == "1Gi"
    )


# -- image pulls, config, probes -------------------------------------------------------------------
def test_image_pull_backoff_with_the_failed_pull_event_and_clear_rolls_back(shared: Cluster) -> None:
    record = _inject(shared, "image-pull", "prod/cart")
    image = record["release_image"]
    assert image == "registry.example.com/shop/cart:4.2.1"
    pod = next(p for p in _pods(shared, "prod", "cart") if p.spec.containers[0].image == image)
    status = _status(pod)
    assert pod.status.phase == "Pending" and status.state.waiting.reason == "ImagePullBackOff"
    assert status.state.waiting.message == f'Back-off pulling image "{image}"'
    events = _events(shared.core, "prod", pod.metadata.name)
    assert f'Failed: Failed to pull image "{image}": failed to pull and unpack image "{image}": ' in "\n".join(events)
    assert any(e.endswith(f"{image}: not found") for e in events)
    assert any(e.startswith("BackOff: Back-off pulling image") for e in events)
    with pytest.raises(client.ApiException) as err:
        shared.core.read_namespaced_pod_log(pod.metadata.name, "prod")
    assert "trying and failing to pull image" in json.loads(err.value.body)["message"]
    _clear_and_recover(shared, "image-pull", "prod", "cart")
    assert all(p.spec.containers[0].image.endswith(":4.2.0") for p in _pods(shared, "prod", "cart"))


def test_unauthorized_pull_says_401(shared: Cluster) -> None:
    record = _inject(shared, "image-pull", "staging/search-api", image="5.2.0", error="unauthorized")
    pod = next(
        p for p in _pods(shared, "staging", "search-api") if p.spec.containers[0].image == record["release_image"]
    )
    assert any("401 Unauthorized" in e for e in _events(shared.core, "staging", pod.metadata.name))
    _clear_and_recover(shared, "image-pull", "staging", "search-api")


def test_readiness_probe_failing_keeps_pods_running_but_not_ready(shared: Cluster) -> None:
    _inject(shared, "readiness", "prod/catalog")
    pods = _pods(shared, "prod", "catalog")
    assert pods and all(p.status.phase == "Running" and _status(p).state.running for p in pods)
    assert all(not _status(p).ready and _status(p).restart_count == 0 for p in pods)
    probe = pods[0].spec.containers[0].readiness_probe
    assert probe.http_get.path == "/ready" and probe.http_get.port == 8080
    conditions = {c.type: c for c in pods[0].status.conditions}
    assert conditions["Ready"].status == "False" and conditions["Ready"].reason == "ContainersNotReady"
    wait_for(lambda: any("Unhealthy" in e for e in _events(shared.core, "prod", pods[0].metadata.name)))
    events = _events(shared.core, "prod", pods[0].metadata.name)
    assert "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503" in events
    dep = shared.apps.read_namespaced_deployment("catalog", "prod")
    assert {c.type: c.status for c in dep.status.conditions}["Available"] == "False"
    assert "readiness check failed" in shared.core.read_namespaced_pod_log(pods[0].metadata.name, "prod")
    _clear_and_recover(shared, "readiness", "prod", "catalog")


def test_missing_configmap_key_is_a_create_container_config_error_that_adding_the_key_fixes(shared: Cluster) -> None:
    record = _inject(shared, "missing-configmap-key", "prod/frontend", key="GALLERY_LAYOUT")
    message = "couldn't find key GALLERY_LAYOUT in ConfigMap prod/frontend-config"
    broken = [p for p in _pods(shared, "prod", "frontend") if p.spec.containers[0].image == record["release_image"]]
    failing = [
        p
        for p in broken
        if _status(p).state.waiting and _status(p).state.waiting.reason == "CreateContainerConfigError"
    ]
    assert failing and _status(failing[0]).state.waiting.message == message
    env = {e.name: e.value_from for e in failing[0].spec.containers[0].env}
    assert env["GALLERY_LAYOUT"].config_map_key_ref.name == "frontend-config"
    assert f"Failed: Error: {message}" in _events(shared.core, "prod", failing[0].metadata.name)
    # The real fix works too: add the key, and the kubelet starts the container at its next try.
    shared.core.patch_namespaced_config_map("frontend-config", "prod", {"data": {"GALLERY_LAYOUT": "grid"}})
    wait_for(lambda: _healthy(shared, "prod", "frontend"), timeout=15)
    shared.core.patch_namespaced_config_map(
        "frontend-config", "prod", [{"op": "remove", "path": "/data/GALLERY_LAYOUT"}]
    )
    _clear_and_recover(shared, "missing-configmap-key", "prod", "frontend")


# -- scheduling, rollouts, autoscaling -----------------------------------------------------------
def _unschedulable(c: Cluster, ns: str, app: str) -> Any:
    for pod in _pods(c, ns, app):
        for cond in pod.status.conditions or []:
            if cond.type == "PodScheduled" and cond.status == "False":
                return pod, cond
    return None


@pytest.mark.parametrize(
    ("resource", "request_", "reason"),
    [("cpu", "32", "3 Insufficient cpu"), ("nvidia.com/gpu", "1", "3 Insufficient nvidia.com/gpu")],
)
def test_pending_for_a_resource_no_node_has(shared: Cluster, resource: str, request_: str, reason: str) -> None:
    _inject(shared, "pending", "staging/cart", resource=resource)
    pod, cond = _unschedulable(shared, "staging", "cart")
    assert pod.status.phase == "Pending" and cond.reason == "Unschedulable"
    assert pod.spec.containers[0].resources.requests[resource] == request_
    expected = (
        f"0/7 nodes are available: {reason}, 4 node(s) had untolerated taint {{nvidia.com/gpu: present}}. "
        "preemption: 0/7 nodes are available: 3 No preemption victims found for incoming pod, "
        "4 Preemption is not helpful for scheduling."
    )
    assert cond.message == expected
    assert f"FailedScheduling: {expected}" in _events(shared.core, "staging", pod.metadata.name)
    _clear_and_recover(shared, "pending", "staging", "cart")


def test_pending_on_an_untolerated_taint_and_clear_removes_it(fresh: Cluster) -> None:
    _inject(fresh, "pending", "prod/search-api", taint="dedicated=gpu")
    _, cond = _unschedulable(fresh, "prod", "search-api")
    assert cond.message.startswith(
        "0/7 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}, "
        "4 node(s) had untolerated taint {nvidia.com/gpu: present}."
    )
    tainted = {
        n.metadata.name for n in fresh.core.list_node().items if any(t.key == "dedicated" for t in n.spec.taints or [])
    }
    assert tainted == {"cpu-node-1", "cpu-node-2", "cpu-node-3"}
    _clear_and_recover(fresh, "pending", "prod", "search-api")
    assert not any(t.key == "dedicated" for n in fresh.core.list_node().items for t in n.spec.taints or [])


def test_stuck_rollout_exceeds_its_progress_deadline(shared: Cluster) -> None:
    record = _inject(shared, "stuck-rollout", "staging/catalog", progress_deadline_seconds=60)
    dep = shared.apps.read_namespaced_deployment("catalog", "staging")
    progressing = {c.type: c for c in dep.status.conditions}["Progressing"]
    assert progressing.status == "False" and progressing.reason == "ProgressDeadlineExceeded"
    new_rs = next(
        rs
        for rs in shared.apps.list_namespaced_replica_set("staging", label_selector="app=catalog").items
        if rs.spec.template.spec.containers[0].image == record["release_image"]
    )
    assert progressing.message == f'ReplicaSet "{new_rs.metadata.name}" has timed out progressing.'
    assert (new_rs.status.ready_replicas or 0) == 0 and new_rs.status.replicas >= 1
    assert dep.spec.progress_deadline_seconds == 60
    _clear_and_recover(shared, "stuck-rollout", "staging", "catalog")
    assert shared.apps.read_namespaced_deployment("catalog", "staging").spec.progress_deadline_seconds == 600


def test_hpa_at_max_replicas_is_served_at_the_autoscaling_v2_path(shared: Cluster) -> None:
    _inject(shared, "hpa-max", "prod/search-api", max=5)
    hpa_api = client.AutoscalingV2Api(shared.core.api_client)
    try:
        _hpa_at_max_is_served(shared, hpa_api)
    finally:  # a failure here must not leave the fault behind for the tests that share this cluster
        if any(f["kind"] == "hpa-max" for f in shared.server.faults()):
            _clear_and_recover(shared, "hpa-max", "prod", "search-api")
    assert hpa_api.list_namespaced_horizontal_pod_autoscaler("prod").items == []
    assert shared.apps.read_namespaced_deployment("search-api", "prod").spec.replicas == 3


def _hpa_at_max_is_served(shared: Cluster, hpa_api: Any) -> None:
    # currentReplicas follows the deployment's pods, as a real HPA's does: it catches up with max.
    wait_for(
        lambda: hpa_api.read_namespaced_horizontal_pod_autoscaler("search-api", "prod").status.current_replicas == 5,
        timeout=15,
    )
    hpa = hpa_api.read_namespaced_horizontal_pod_autoscaler("search-api", "prod")
    assert [h.metadata.name for h in hpa_api.list_namespaced_horizontal_pod_autoscaler("prod").items] == ["search-api"]
    assert hpa.spec.scale_target_ref.kind == "Deployment" and hpa.spec.max_replicas == 5
    assert hpa.status.current_replicas == hpa.spec.max_replicas == hpa.status.desired_replicas
    assert hpa.status.current_metrics[0].resource.current.average_utilization == 95
    limited = {c.type: c for c in hpa.status.conditions}["ScalingLimited"]
    assert (limited.status, limited.reason) == ("True", "TooManyReplicas")
    assert shared.apps.read_namespaced_deployment("search-api", "prod").spec.replicas == 5
    custom = client.CustomObjectsApi(shared.core.api_client)
    pod = _pods(shared, "prod", "search-api")[0]
    usage = custom.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", "prod", "pods", pod.metadata.name)
    cpu_cores = int(usage["containers"][0]["usage"]["cpu"].removesuffix("n")) / 1e9
    assert 0.9 * 0.5 < cpu_cores < 1.0 * 0.5  # 95% of the 500m request


# -- nodes ----------------------------------------------------------------------------------------
def test_node_notready_taints_the_node_and_its_pods_end_terminating_then_recover(fresh: Cluster) -> None:
    on_node = [p for p in fresh.core.list_namespaced_pod("prod").items if p.spec.node_name == "cpu-node-2"]
    assert on_node
    _inject(fresh, "node-notready", "cpu-node-2")
    node = fresh.core.read_node("cpu-node-2")
    ready = {c.type: c for c in node.status.conditions}["Ready"]
    assert (ready.status, ready.reason, ready.message) == (
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert {(t.key, t.effect) for t in node.spec.taints} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    assert "NodeNotReady: Node cpu-node-2 status is now: NodeNotReady" in _events(fresh.core, "default", "cpu-node-2")
    victim = fresh.core.read_namespaced_pod(on_node[0].metadata.name, "prod")
    assert victim.metadata.deletion_timestamp is not None  # evicted after the 300 s toleration, stuck Terminating
    assert pod_status_reason(fresh.core.api_client.sanitize_for_serialization(victim)) == "Terminating"
    assert {c.type: c.status for c in victim.status.conditions}["Ready"] == "False"
    events = _events(fresh.core, "prod", victim.metadata.name)
    assert f"TaintManagerEviction: Marking for deletion Pod prod/{victim.metadata.name}" in events
    # Replacements run elsewhere; nothing new lands on the node.
    app = victim.metadata.labels["app"]
    wait_for(lambda: _healthy(fresh, "prod", app), timeout=15)
    assert all(p.spec.node_name != "cpu-node-2" for p in _pods(fresh, "prod", app))
    assert fresh.server.clear("node-notready")[0]["target"] == "cpu-node-2"
    node = fresh.core.read_node("cpu-node-2")
    assert {c.type: c.status for c in node.status.conditions}["Ready"] == "True" and not node.spec.taints
    wait_for(lambda: not any(p.metadata.deletion_timestamp for p in fresh.core.list_pod_for_all_namespaces().items))


def test_node_notready_kubelet_variant(fresh: Cluster) -> None:
    fresh.server.inject(Fault(kind="node-notready", target="cpu-node-1", params={"reason": "kubelet"}))
    ready = {c.type: c for c in fresh.core.read_node("cpu-node-1").status.conditions}["Ready"]
    assert (ready.status, ready.reason) == (
        "False",
        "KubeletNotReady",
    ) and "cni plugin not initialized" in ready.message
    taints = {(t.key, t.effect) for t in fresh.core.read_node("cpu-node-1").spec.taints}
    assert ("node.kubernetes.io/not-ready", "NoExecute") in taints


# -- the ways in: scenarios, the admin endpoint, state, errors ------------------------------------
def test_scenario_faults_are_in_effect_from_the_start(tmp_path: Path) -> None:
    text = default_scenario_path().read_text() + (
        "\nfaults:\n"
        "  - {kind: image-pull, target: prod/checkout}\n"
        "  - {kind: oom, target: staging/cart, params: {usage: 300Mi}}\n"
    )
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(text)
    with SandboxServer(tmp_path / "state.json", scenario, time_scale=FAST) as server:
        c = connect(server, tmp_path / "kubeconfig")
        assert [f["kind"] for f in server.faults()] == ["image-pull", "oom"]
        assert server.wait_manifested(15)
        assert any(
            _status(p).state.waiting and _status(p).state.waiting.reason == "ImagePullBackOff"
            for p in _pods(c, "prod", "checkout")
        )
    # The faults are part of the saved state: a restart keeps them, and clear still undoes them.
    with SandboxServer(tmp_path / "state.json", scenario, time_scale=FAST) as server:
        c = connect(server, tmp_path / "kubeconfig")
        assert [f["kind"] for f in server.faults()] == ["image-pull", "oom"]
        server.clear()
        wait_for(lambda: _healthy(c, "prod", "checkout") and _healthy(c, "staging", "cart"), timeout=15)


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        ("  - {kind: meltdown, target: prod/checkout}\n", "unknown fault kind 'meltdown'"),
        (
            "  - {kind: oom, target: prod/nothing}\n",
            "faults[0] (oom): 'prod/nothing' is not declared under deployments",
        ),
        ("  - {kind: node-notready, target: prod/checkout}\n", "target of node-notready is a node name"),
        ("  - {kind: pending, target: prod/cart, params: {resource: disk}}\n", "resource: Input should be"),
    ],
)
def test_bad_scenario_faults_name_the_problem(tmp_path: Path, faults: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(default_scenario_path().read_text() + "\nfaults:\n" + faults)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert expected in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("kind", "target", "params", "expected"),
    [
        ("crashloop", "checkout", {}, "target of crashloop is NAMESPACE/DEPLOYMENT"),
        ("crashloop", "prod/checkout", {"reasn": "x"}, "reasn: unknown parameter"),
        ("oom", "prod/checkout", {"limit": "lots"}, "'lots' is not a Kubernetes quantity"),
        ("hpa-max", "prod/cart", {"cpu_utilization": 50}, "must be above target_utilization"),
    ],
)
def test_invalid_faults_say_what_to_fix(kind: str, target: str, params: dict[str, Any], expected: str) -> None:
    with pytest.raises(FaultError) as err:
        parse(kind, target, params)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_faults_that_do_not_fit_the_cluster_are_refused(shared: Cluster) -> None:
    cases = [
        (Fault(kind="oom", target="prod/nowhere"), "deployment prod/nowhere not found"),
        (Fault(kind="node-notready", target="no-such-node"), "node no-such-node not found"),
        (Fault(kind="readiness", target="kube-system/coredns"), "has no readiness probe"),
        (Fault(kind="missing-configmap-key", target="prod/checkout", params={"key": "RETRY_ATTEMPTS"}), "has key"),
    ]
    for fault, expected in cases:
        with pytest.raises(FaultError, match=expected):
            shared.server.inject(fault)
    assert shared.server.faults() == []


def test_the_admin_endpoint_injects_lists_and_clears(shared: Cluster) -> None:
    base = shared.server.url + "/sandbox/faults"

    def call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, created = call("POST", base + "?wait=15", {"kind": "crashloop", "target": "staging/payments"})
    assert status == 201 and created["manifested"] is True and created["fault"]["target"] == "staging/payments"
    assert call("GET", base)[1]["faults"][0]["kind"] == "crashloop"
    status, again = call("POST", base, {"kind": "crashloop", "target": "staging/payments"})
    assert status == 400 and "already injected" in again["error"]
    assert call("POST", base, {"kind": "x", "target": "a/b"})[0] == 400
    status, cleared = call("DELETE", base + "?kind=crashloop&target=staging/payments")
    assert status == 200 and [f["target"] for f in cleared["cleared"]] == ["staging/payments"]
    wait_for(lambda: _healthy(shared, "staging", "payments"), timeout=15)
    # Kubernetes discovery lists the groups the faults use.
    groups = client.ApisApi(shared.core.api_client).get_api_versions()
    versions = {g.name: g.preferred_version.version for g in groups.groups}
    assert versions["autoscaling"] == "v2" and versions["metrics.k8s.io"] == "v1beta1"


def test_the_cli_kinds_match_the_engine() -> None:
    from opsgraph.channels.cli import sandbox_cmds

    assert sandbox_cmds._KINDS == KINDS  # the CLI keeps its own copy so `--help` imports nothing


# -- the CLI on a running sandbox, and on saved state ----------------------------------------------
def test_cli_inject_list_clear_on_a_running_sandbox(isolated_state: Path) -> None:
    from typer.testing import CliRunner

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.cli import app
    from opsgraph.sandbox import runtime

    settings = Settings()
    runner = CliRunner()
    with SandboxServer(runtime.state_file(settings), time_scale=FAST) as server:
        runtime.write_record(settings, server)  # what `opsgraph sandbox` / `opsgraph demo` do
        c = connect(server, isolated_state / "kubeconfig")
        result = runner.invoke(
            app, ["sandbox", "fault", "inject", "oom", "--target", "prod/cart", "--param", "usage=500Mi"]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"injected oom on prod/cart [{server.url}]; it shows now")
        assert server.faults()[0]["params"] == {"usage": "500Mi"}
        pod = next(p for p in _pods(c, "prod", "cart") if _status(p).last_state.terminated)
        assert _status(pod).last_state.terminated.reason == "OOMKilled"
        listed = runner.invoke(app, ["sandbox", "fault", "list", "--json"])
        assert json.loads(listed.output)["faults"][0]["target"] == "prod/cart"
        bad = runner.invoke(app, ["sandbox", "fault", "inject", "oom", "--target", "prod/cart", "--param", "usage"])
        assert bad.exit_code == 2 and "--param takes KEY=VALUE" in bad.output and "Traceback" not in bad.output
        twice = runner.invoke(app, ["sandbox", "fault", "inject", "oom", "--target", "prod/cart"])
        assert twice.exit_code == 2 and "already injected" in twice.output
        cleared = runner.invoke(app, ["sandbox", "fault", "clear", "oom"])
        assert cleared.exit_code == 0 and "cleared oom on prod/cart" in cleared.output
        wait_for(lambda: _healthy(c, "prod", "cart"), timeout=15)
        assert runner.invoke(app, ["sandbox", "fault", "list"]).output.startswith("no faults in effect")
        runtime.remove_record(settings, server)


def test_cli_without_a_running_sandbox_changes_the_saved_state(isolated_state: Path) -> None:
    from typer.testing import CliRunner

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.cli import app
    from opsgraph.sandbox import runtime

    runner = CliRunner()
    result = runner.invoke(
        app, ["sandbox", "fault", "inject", "crashloop", "--target", "prod/checkout", "--param", "reason=panic"]
    )
    assert result.exit_code == 0, result.output
    assert "[saved state]" in result.output
    listed = runner.invoke(app, ["sandbox", "fault", "list"])
    assert "crashloop" in listed.output and "prod/checkout" in listed.output and "reason=panic" in listed.output
    # The next sandbox (what `opsgraph ask` starts) serves the crash loop.
    with SandboxServer(runtime.state_file(Settings()), time_scale=FAST) as server:
        c = connect(server, isolated_state / "kubeconfig")
        wait_for(lambda: any(_status(p).restart_count >= 1 for p in _pods(c, "prod", "checkout")))
        pod = next(p for p in _pods(c, "prod", "checkout") if _status(p).restart_count)
        assert "panic: runtime error" in c.core.read_namespaced_pod_log(pod.metadata.name, "prod", previous=True)
    assert "cleared crashloop" in runner.invoke(app, ["sandbox", "fault", "clear"]).output
    assert "no faults in effect" in runner.invoke(app, ["sandbox", "fault", "list"]).output
