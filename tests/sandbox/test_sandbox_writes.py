"""Writes and their failures as the official client sees them: Status errors, optimistic
concurrency, validation, dryRun=All, patch flavours, ConfigMap CRUD."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.sandbox.sandbox_testkit import Cluster, rollout_complete, wait_for


def _status(err: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(err.value.body)
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["code"] == err.value.status
    return body


def _deployment(name: str, *, replicas: int = 1, image: str | None = "registry.example.com/shop/demo:1.0") -> dict:
    container: dict[str, Any] = {"name": "app"}
    if image is not None:
        container["image"] = image
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
        },
    }


def test_not_found_is_a_status_object(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as err:
        cluster.apps.read_namespaced_deployment("foo", "prod")
    assert _status(err) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "foo" not found',
        "reason": "NotFound",
        "details": {"name": "foo", "group": "apps", "kind": "deployments"},
        "code": 404,
    }
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespace("nope")
    assert _status(err)["message"] == 'namespaces "nope" not found'
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespaced_pod("x", "nope")
    assert err.value.status == 404
    with pytest.raises(ApiException) as err:
        cluster.apps.create_namespaced_deployment("nope", _deployment("x"))
    assert _status(err)["message"] == 'namespaces "nope" not found'


def test_unknown_paths_and_methods(cluster: Cluster) -> None:
    url = cluster.server.url
    for path in ("/apis/batch/v1/cronjobs", "/api/v1/widgets", "/apis/apps/v1/namespaces/prod/deployments/a/b/c"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url + path)
        assert err.value.code == 404
        assert json.loads(err.value.read())["reason"] == "NotFound"
    request = urllib.request.Request(url + "/apis/apps/v1/namespaces/prod/replicasets/x", method="PUT", data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)
    assert err.value.code == 405 and json.loads(err.value.read())["reason"] == "MethodNotAllowed"


def test_create_conflicts_and_already_exists(cluster: Cluster) -> None:
    created = cluster.apps.create_namespaced_deployment("staging", _deployment("demo-a"))
    assert created.metadata.uid and created.metadata.generation == 1
    assert created.spec.strategy.type == "RollingUpdate" and created.spec.revision_history_limit == 10
    with pytest.raises(ApiException) as err:
        cluster.apps.create_namespaced_deployment("staging", _deployment("demo-a"))
    body = _status(err)
    assert err.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["message"] == 'deployments.apps "demo-a" already exists'

    # Controllers write status too, which moves resourceVersion: let the rollout settle first.
    wait_for(lambda: rollout_complete(cluster.apps, "staging", "demo-a"))
    stale = cluster.apps.read_namespaced_deployment("demo-a", "staging")
    fresh = cluster.apps.read_namespaced_deployment("demo-a", "staging")
    fresh.spec.replicas = 2
    replaced = cluster.apps.replace_namespaced_deployment("demo-a", "staging", fresh)
    assert replaced.metadata.generation == 2
    stale.spec.replicas = 3
    with pytest.raises(ApiException) as err:
        cluster.apps.replace_namespaced_deployment("demo-a", "staging", stale)
    body = _status(err)
    assert err.value.status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]
    assert cluster.apps.read_namespaced_deployment("demo-a", "staging").spec.replicas == 2


def test_invalid_objects_are_422_with_causes(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as err:
        cluster.apps.create_namespaced_deployment("staging", _deployment("demo-b", replicas=-1))
    body = _status(err)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["kind"] == "Deployment" and body["details"]["group"] == "apps"
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -1: must be greater than or equal to 0",
            "field": "spec.replicas",
        }
    ]
    assert body["message"].startswith('Deployment.apps "demo-b" is invalid: spec.replicas')
    with pytest.raises(ApiException) as err:
        cluster.apps.create_namespaced_deployment("staging", _deployment("demo-b", image=None))
    causes = _status(err)["details"]["causes"]
    assert causes == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.template.spec.containers[0].image",
        }
    ]
    with pytest.raises(ApiException) as err:
        cluster.apps.patch_namespaced_deployment_scale("checkout", "prod", {"spec": {"replicas": -2}})
    assert err.value.status == 422
    with pytest.raises(ApiException) as err:
        cluster.apps.patch_namespaced_deployment(
            "checkout", "prod", {"spec": {"selector": {"matchLabels": {"app": "other"}}}}
        )
    assert err.value.status == 422
    assert cluster.apps.read_namespaced_deployment("checkout", "prod").spec.selector.match_labels == {"app": "checkout"}


def test_unparseable_body_is_bad_request(cluster: Cluster) -> None:
    request = urllib.request.Request(
        cluster.server.url + "/apis/apps/v1/namespaces/prod/deployments",
        data=b"{not json",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)
    body = json.loads(err.value.read())
    assert err.value.code == 400 and body["reason"] == "BadRequest" and body["kind"] == "Status"


def test_dry_run_persists_nothing(cluster: Cluster) -> None:
    apps = cluster.apps
    created = apps.create_namespaced_deployment("staging", _deployment("demo-dry"), dry_run="All")
    assert created.metadata.name == "demo-dry" and created.spec.replicas == 1
    with pytest.raises(ApiException):
        apps.read_namespaced_deployment("demo-dry", "staging")
    before = apps.read_namespaced_deployment("search-api", "staging")
    image = "registry.example.com/shop/search-api:9.9.9"
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "search-api", "image": image}]}}}}
    preview = apps.patch_namespaced_deployment("search-api", "staging", patch, dry_run="All")
    assert preview.spec.template.spec.containers[0].image == image
    assert preview.metadata.generation == before.metadata.generation + 1
    scaled = apps.patch_namespaced_deployment_scale("search-api", "staging", {"spec": {"replicas": 5}}, dry_run="All")
    assert scaled.spec.replicas == 5
    apps.delete_namespaced_deployment("search-api", "staging", dry_run="All")
    after = apps.read_namespaced_deployment("search-api", "staging")
    assert after.metadata.resource_version == before.metadata.resource_version
    assert after.spec.template.spec.containers[0].image == before.spec.template.spec.containers[0].image
    assert after.spec.replicas == before.spec.replicas


def test_merge_patch_replaces_lists_and_json_patch_tests(cluster: Cluster) -> None:
    apps = cluster.apps
    apps.create_namespaced_deployment("staging", _deployment("demo-patch"))
    two = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "registry.example.com/shop/demo:1.0"},
                        {"name": "sidecar", "image": "registry.example.com/shop/proxy:2.0"},
                    ]
                }
            }
        }
    }
    merged = apps.patch_namespaced_deployment("demo-patch", "staging", two)  # strategic: merge by name
    assert [c.name for c in merged.spec.template.spec.containers] == ["app", "sidecar"]
    only = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "sidecar", "image": "registry.example.com/shop/proxy:2.1"}]}}
        }
    }
    merged = apps.patch_namespaced_deployment("demo-patch", "staging", only)
    assert [c.image.rsplit(":", 1)[1] for c in merged.spec.template.spec.containers] == ["1.0", "2.1"]
    replaced = apps.patch_namespaced_deployment(
        "demo-patch", "staging", only, _content_type="application/merge-patch+json"
    )
    assert [c.name for c in replaced.spec.template.spec.containers] == ["sidecar"]
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment(
            "demo-patch", "staging", [{"op": "test", "path": "/spec/replicas", "value": 7}]
        )
    assert err.value.status == 422
    apps.delete_namespaced_deployment("demo-patch", "staging")
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("demo-patch", "staging")
    assert err.value.status == 404


def test_configmap_crud(cluster: Cluster) -> None:
    core = cluster.core
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="flags"), data={"a": "1"})
    created = core.create_namespaced_config_map("staging", body)
    assert created.data == {"a": "1"} and created.metadata.uid
    created.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("flags", "staging", created)
    assert replaced.data == {"a": "1", "b": "2"}
    patched = core.patch_namespaced_config_map("flags", "staging", {"data": {"a": None, "c": "3"}})
    assert patched.data == {"b": "2", "c": "3"}
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(
            "staging", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="bad"), data={"no spaces": "x"})
        )
    assert err.value.status == 422 and _status(err)["details"]["causes"][0]["field"] == "data[no spaces]"
    status = core.delete_namespaced_config_map("flags", "staging")  # this client types it as a dict
    assert status["kind"] == "Status" and status["status"] == "Success"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("flags", "staging")
    assert err.value.status == 404


def test_deleting_a_deployment_removes_its_replicasets_and_pods(cluster: Cluster) -> None:
    apps, core = cluster.apps, cluster.core
    apps.create_namespaced_deployment("staging", _deployment("demo-gc", replicas=2))

    def running() -> bool:
        return len(core.list_namespaced_pod("staging", label_selector="app=demo-gc").items) == 2

    wait_for(running)
    apps.delete_namespaced_deployment("demo-gc", "staging")
    wait_for(lambda: not apps.list_namespaced_replica_set("staging", label_selector="app=demo-gc").items)
    wait_for(lambda: not core.list_namespaced_pod("staging", label_selector="app=demo-gc").items)
