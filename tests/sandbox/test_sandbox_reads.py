"""Reads through the official client: every kind lists and gets with the shapes real clusters have."""

from __future__ import annotations

import json
import urllib.request

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.sandbox.sandbox_testkit import Cluster, owned_replicasets, revision


def test_discovery_and_version(cluster: Cluster) -> None:
    api_client = cluster.apps.api_client
    version = client.VersionApi(api_client).get_code()
    assert version.major == "1" and version.git_version.startswith("v1.")
    groups = client.ApisApi(api_client).get_api_versions()
    assert "apps" in [g.name for g in groups.groups]
    resources = client.AppsV1Api(api_client).get_api_resources()
    names = {r.name: r for r in resources.resources}
    assert {"deployments", "deployments/scale", "replicasets"} <= set(names)
    assert names["deployments/scale"].kind == "Scale" and names["deployments/scale"].group == "autoscaling"
    assert "pods/log" in {r.name for r in client.CoreV1Api(api_client).get_api_resources().resources}


def test_namespaces(cluster: Cluster) -> None:
    names = {ns.metadata.name for ns in cluster.core.list_namespace().items}
    assert {"prod", "staging", "ml", "default", "kube-system"} <= names
    prod = cluster.core.read_namespace("prod")
    assert prod.status.phase == "Active" and prod.metadata.labels["kubernetes.io/metadata.name"] == "prod"


def test_nodes_are_labelled_like_the_gpu_operator_does(cluster: Cluster) -> None:
    nodes = {n.metadata.name: n for n in cluster.core.list_node().items}
    gpu = [n for n in nodes.values() if n.metadata.labels.get("nvidia.com/gpu.present") == "true"]
    cpu = [n for n in nodes.values() if n not in gpu]
    assert len(cpu) == 3 and len(gpu) == 4
    products = sorted(n.metadata.labels["nvidia.com/gpu.product"] for n in gpu)
    assert products == ["NVIDIA-A100-SXM4-80GB"] * 2 + ["NVIDIA-H100-80GB-HBM3"] * 2
    for node in gpu:
        assert node.metadata.labels["nvidia.com/gpu.count"] == "8"
        assert any(t.key == "nvidia.com/gpu" and t.effect == "NoSchedule" for t in node.spec.taints)
        assert node.status.node_info.kubelet_version.startswith("v1.")
        assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
    mig = [n for n in gpu if n.metadata.labels["nvidia.com/mig.config"] != "all-disabled"]
    assert len(mig) == 1
    capacity = mig[0].status.capacity
    # all-balanced on 8 A100-80GB: 2x 1g.10gb, 1x 2g.20gb, 1x 3g.40gb per GPU (7 compute slices each).
    assert capacity["nvidia.com/mig-1g.10gb"] == "16"
    assert capacity["nvidia.com/mig-2g.20gb"] == "8"
    assert capacity["nvidia.com/mig-3g.40gb"] == "8"
    assert all(n.status.allocatable["nvidia.com/gpu"] == "8" for n in gpu if n not in mig)
    assert cluster.core.read_node("cpu-node-1").status.capacity["cpu"] == "32"


def test_deployments_list_get_and_history(cluster: Cluster) -> None:
    everywhere = cluster.apps.list_deployment_for_all_namespaces()
    assert everywhere.kind == "DeploymentList" or everywhere.metadata.resource_version
    expected = {"frontend", "checkout", "payments", "cart", "catalog", "search-api", "recommendation"}
    for ns in ("prod", "staging"):
        names = {d.metadata.name for d in cluster.apps.list_namespaced_deployment(ns).items}
        assert expected <= names
    ml = {d.metadata.name for d in cluster.apps.list_namespaced_deployment("ml").items}
    assert {"fraud-model-server", "llm-gateway", "vllm-qwen"} <= ml
    checkout = cluster.apps.read_namespaced_deployment("checkout", "prod")
    assert checkout.metadata.uid and checkout.metadata.resource_version and checkout.metadata.generation
    assert checkout.spec.template.spec.containers[0].image == "registry.example.com/shop/checkout:1.14.2"
    assert checkout.status.ready_replicas == checkout.spec.replicas
    assert {c.type: c.reason for c in checkout.status.conditions} == {
        "Available": "MinimumReplicasAvailable",
        "Progressing": "NewReplicaSetAvailable",
    }
    for name in expected:
        history = owned_replicasets(cluster.apps, "prod", name)
        assert len(history) >= 3, name
        assert len({rs.spec.template.spec.containers[0].image for rs in history}) == len(history)
        newest = max(history, key=revision)
        assert revision(newest) == revision(cluster.apps.read_namespaced_deployment(name, "prod"))
        assert all(rs.spec.replicas == 0 for rs in history if rs is not newest)
        assert all("kubernetes.io/change-cause" in rs.metadata.annotations for rs in history)


def test_replicasets_are_named_by_template_hash(cluster: Cluster) -> None:
    rs_list = cluster.apps.list_replica_set_for_all_namespaces(label_selector="app=frontend")
    assert rs_list.items
    for rs in rs_list.items:
        pod_hash = rs.metadata.labels["pod-template-hash"]
        assert rs.metadata.name.endswith(f"-{pod_hash}")
        assert rs.spec.selector.match_labels["pod-template-hash"] == pod_hash
        (owner,) = rs.metadata.owner_references
        assert owner.kind == "Deployment" and owner.controller is True
    one = rs_list.items[0]
    assert cluster.apps.read_namespaced_replica_set(one.metadata.name, one.metadata.namespace).metadata.uid == (
        one.metadata.uid
    )


def test_pods_are_placed_consistently_with_their_requests(cluster: Cluster) -> None:
    pods = cluster.core.list_pod_for_all_namespaces().items
    nodes = {n.metadata.name: n for n in cluster.core.list_node().items}
    assert all(p.spec.node_name in nodes for p in pods)
    for pod in pods:
        requests = pod.spec.containers[0].resources.requests or {}
        labels = nodes[pod.spec.node_name].metadata.labels
        if "nvidia.com/gpu" in requests:
            assert labels.get("nvidia.com/gpu.present") == "true"
        else:
            assert pod.metadata.namespace == "ml" or "nvidia.com/gpu.present" not in labels
    vllm = cluster.core.list_namespaced_pod("ml", label_selector="app=vllm-qwen").items
    assert vllm and all(
        nodes[p.spec.node_name].metadata.labels["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3" for p in vllm
    )
    training = [
        p
        for p in cluster.core.list_namespaced_pod("ml").items
        if (p.metadata.owner_references or [None])[0] and p.metadata.owner_references[0].kind == "Job"
    ]
    assert {int(p.spec.containers[0].resources.requests["nvidia.com/gpu"]) for p in training} <= {4, 8}
    assert len(training) >= 2
    one = cluster.core.read_namespaced_pod(pods[0].metadata.name, pods[0].metadata.namespace)
    assert one.status.phase == "Running" and one.status.pod_ip and one.status.container_statuses[0].ready


def test_configmaps_and_events_list(cluster: Cluster) -> None:
    cms = {c.metadata.name for c in cluster.core.list_namespaced_config_map("prod").items}
    assert {"checkout-config", "kube-root-ca.crt"} <= cms
    assert cluster.core.read_namespaced_config_map("checkout-config", "prod").data["RETRY_ATTEMPTS"] == "3"
    events = cluster.core.list_event_for_all_namespaces()
    assert events.metadata.resource_version
    assert isinstance(cluster.core.list_namespaced_event("prod").items, list)


def test_list_items_carry_no_type_meta_but_the_list_does(cluster: Cluster) -> None:
    raw = cluster.apps.list_namespaced_deployment("prod", _preload_content=False)
    body = json.loads(raw.data)
    assert body["kind"] == "DeploymentList" and body["apiVersion"] == "apps/v1"
    assert body["metadata"]["resourceVersion"].isdigit()
    assert "kind" not in body["items"][0]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=checkout", {"checkout"}),
        ("app==checkout", {"checkout"}),
        ("tier in (frontend)", {"frontend"}),
        ("team=checkout,app!=cart", {"checkout"}),
        ("app notin (frontend,checkout,payments,cart,catalog,search-api)", {"recommendation"}),
        ("!team", set()),
        ("team", {"frontend", "checkout", "payments", "cart", "catalog", "search-api", "recommendation"}),
    ],
)
def test_label_selectors(cluster: Cluster, selector: str, expected: set[str]) -> None:
    found = {d.metadata.name for d in cluster.apps.list_namespaced_deployment("prod", label_selector=selector).items}
    assert found == expected


def test_field_selectors(cluster: Cluster) -> None:
    on_node = cluster.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=gpu-h100-2").items
    assert on_node and {p.spec.node_name for p in on_node} == {"gpu-h100-2"}
    running = cluster.core.list_namespaced_pod("prod", field_selector="status.phase=Running").items
    assert len(running) == len(cluster.core.list_namespaced_pod("prod").items)
    one = cluster.apps.list_namespaced_deployment("prod", field_selector="metadata.name=cart").items
    assert [d.metadata.name for d in one] == ["cart"]
    others = cluster.apps.list_namespaced_deployment("prod", field_selector="metadata.name!=cart").items
    assert "cart" not in {d.metadata.name for d in others} and others
    with pytest.raises(ApiException) as err:
        cluster.core.list_namespaced_pod("prod", field_selector="spec.bogus=1")
    assert err.value.status == 400 and "field label not supported" in json.loads(err.value.body)["message"]


def test_pagination_with_limit_and_continue(cluster: Cluster) -> None:
    first = cluster.core.list_pod_for_all_namespaces(limit=5)
    assert len(first.items) == 5 and first.metadata._continue
    second = cluster.core.list_pod_for_all_namespaces(limit=5, _continue=first.metadata._continue)
    names = [p.metadata.name for p in first.items + second.items]
    assert len(set(names)) == 10


def test_pod_logs_honour_tail_lines_and_containers(cluster: Cluster) -> None:
    pod = cluster.core.list_namespaced_pod("prod", label_selector="app=checkout").items[0]
    text = cluster.core.read_namespaced_pod_log(pod.metadata.name, "prod", tail_lines=7)
    lines = text.splitlines()
    assert len(lines) == 7
    assert all("status=" in line or "level=" in line for line in lines)
    stamped = cluster.core.read_namespaced_pod_log(pod.metadata.name, "prod", tail_lines=2, timestamps=True)
    assert all(line[:4].isdigit() and "T" in line.split(" ")[0] for line in stamped.splitlines())
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespaced_pod_log(pod.metadata.name, "prod", container="nope")
    assert err.value.status == 400
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespaced_pod_log(pod.metadata.name, "prod", previous=True)
    assert err.value.status == 400 and "previous terminated container" in json.loads(err.value.body)["message"]
    web = cluster.core.list_namespaced_pod("prod", label_selector="app=frontend").items[0]
    assert '"GET ' in cluster.core.read_namespaced_pod_log(web.metadata.name, "prod", tail_lines=3)


def test_kubectl_table_printing(cluster: Cluster) -> None:
    request = urllib.request.Request(
        cluster.server.url + "/apis/apps/v1/namespaces/prod/deployments",
        headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"},
    )
    with urllib.request.urlopen(request) as response:
        document = json.loads(response.read())
    assert document["kind"] == "Table"
    assert [c["name"] for c in document["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    rows = {row["cells"][0]: row["cells"] for row in document["rows"]}
    assert rows["frontend"][1] == "4/4" and rows["frontend"][6] == "registry.example.com/shop/frontend:3.8.1"
    assert all(row["object"]["metadata"]["namespace"] == "prod" for row in document["rows"])
