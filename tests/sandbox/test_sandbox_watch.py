"""Watches through `kubernetes.watch.Watch().stream`, the way k8s_deploy follows a rollout."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.sandbox.sandbox_testkit import Cluster, rollout_complete, wait_for


def test_watch_sees_a_rollout_progress(cluster: Cluster) -> None:
    apps = cluster.apps
    start = apps.list_namespaced_deployment("prod", field_selector="metadata.name=recommendation")
    seen: list[tuple[str, Any]] = []

    def follow() -> None:
        w = watch.Watch()
        for event in w.stream(
            apps.list_namespaced_deployment,
            "prod",
            field_selector="metadata.name=recommendation",
            resource_version=start.metadata.resource_version,
            timeout_seconds=5,
        ):
            seen.append((event["type"], event["object"]))
            dep = event["object"]
            want = dep.spec.replicas
            if (
                dep.metadata.generation == dep.status.observed_generation
                and dep.status.updated_replicas == dep.status.available_replicas == dep.status.replicas == want
                and dep.spec.template.spec.containers[0].image.endswith("0.19.0")
            ):
                w.stop()

    follower = threading.Thread(target=follow)
    follower.start()
    image = "registry.example.com/shop/recommendation:0.19.0"
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "recommendation", "image": image}]}}}}
    apps.patch_namespaced_deployment("recommendation", "prod", patch)
    follower.join(timeout=10)
    assert not follower.is_alive()
    types = [t for t, _ in seen]
    assert types and set(types) == {"MODIFIED"}  # resumed from a resourceVersion: no synthetic ADDED
    assert len(types) >= 3  # generation bump, then status updates as pods become ready
    assert all(obj.metadata.name == "recommendation" for _, obj in seen)
    last = seen[-1][1]
    assert last.spec.template.spec.containers[0].image == image
    assert last.status.updated_replicas == last.spec.replicas == last.status.available_replicas
    assert rollout_complete(apps, "prod", "recommendation")


def test_watch_without_resource_version_starts_with_added_and_times_out(cluster: Cluster) -> None:
    events = list(watch.Watch().stream(cluster.core.list_namespaced_config_map, "prod", timeout_seconds=1))
    names = {e["object"].metadata.name for e in events}
    assert {e["type"] for e in events} == {"ADDED"} and "checkout-config" in names


def test_watch_with_selector_reports_objects_leaving_it(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespaced_config_map(
        "ml", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1", labels={"watched": "yes"}), data={})
    )
    rv = core.list_namespaced_config_map("ml").metadata.resource_version
    core.patch_namespaced_config_map("w1", "ml", {"metadata": {"labels": {"watched": "no"}}})
    core.delete_namespaced_config_map("w1", "ml")
    events = list(
        watch.Watch().stream(
            core.list_namespaced_config_map,
            "ml",
            label_selector="watched=yes",
            resource_version=rv,
            timeout_seconds=1,
        )
    )
    # The label change takes it out of the selection: a DELETED, and nothing for the real delete.
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("DELETED", "w1")]


def test_watch_from_a_compacted_resource_version_is_410(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as err:
        list(watch.Watch().stream(cluster.core.list_namespaced_pod, "prod", resource_version="1", timeout_seconds=1))
    assert err.value.status == 410


def test_pod_watch_sees_replacement_pods(cluster: Cluster) -> None:
    core = cluster.core
    pods = core.list_namespaced_pod("prod", label_selector="app=frontend")
    victim = pods.items[0].metadata.name
    core.delete_namespaced_pod(victim, "prod")
    wait_for(lambda: victim not in {p.metadata.name for p in core.list_namespaced_pod("prod").items})
    events = list(
        watch.Watch().stream(
            core.list_namespaced_pod,
            "prod",
            label_selector="app=frontend",
            resource_version=pods.metadata.resource_version,
            timeout_seconds=1,
        )
    )
    kinds = {(e["type"], e["object"].metadata.name == victim) for e in events}
    assert ("DELETED", True) in kinds and ("ADDED", False) in kinds
