"""batch/v1 Jobs on the sandbox through the official client: create, get, list, delete, status
that progresses to succeeded or failed, and the API's error shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.sandbox.sandbox_testkit import Cluster, wait_for


def _batch(cluster: Cluster) -> client.BatchV1Api:
    return client.BatchV1Api(cluster.apps.api_client)


def _job(name: str, image: str, restart: str = "Never") -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {"app": "trainer"}},
        "spec": {
            "backoffLimit": 1,
            "template": {"spec": {"restartPolicy": restart, "containers": [{"name": "train", "image": image}]}},
        },
    }


def _conditions(job: Any) -> dict[str, str]:
    return {c.type: c.reason for c in job.status.conditions or []}


def test_a_job_runs_to_completion_and_can_be_listed_and_deleted(cluster: Cluster) -> None:
    batch = _batch(cluster)
    created = batch.create_namespaced_job("ml", _job("train-ok", "ghcr.io/acme/trainer:2.3.0"))
    assert created.metadata.uid and created.spec.backoff_limit == 1 and created.spec.completions == 1
    running = wait_for(lambda: (j := batch.read_namespaced_job("train-ok", "ml")).status.start_time and j)
    assert running.status.active == 1 and not running.status.succeeded
    done = wait_for(lambda: (j := batch.read_namespaced_job("train-ok", "ml")).status.succeeded and j)
    assert _conditions(done) == {"SuccessCriteriaMet": "CompletionsReached", "Complete": "CompletionsReached"}
    assert done.status.completion_time >= done.status.start_time and not done.status.active
    listed = batch.list_namespaced_job("ml", label_selector="app=trainer")
    assert "train-ok" in [j.metadata.name for j in listed.items]
    events = cluster.core.list_namespaced_event("ml", field_selector="involvedObject.name=train-ok")
    assert {"SuccessfulCreate", "Completed"} <= {e.reason for e in events.items}
    batch.delete_namespaced_job("train-ok", "ml", propagation_policy="Background")
    with pytest.raises(ApiException) as missing:
        batch.read_namespaced_job("train-ok", "ml")
    assert missing.value.status == 404
    body = json.loads(missing.value.body)
    assert body["reason"] == "NotFound" and body["message"] == 'jobs.batch "train-ok" not found'


def test_a_crashing_image_fails_the_job_at_its_backoff_limit(cluster: Cluster) -> None:
    batch = _batch(cluster)
    batch.create_namespaced_job("ml", _job("train-broken", "ghcr.io/acme/trainer:2.3.0-broken"))
    failed = wait_for(lambda: (j := batch.read_namespaced_job("train-broken", "ml")).status.failed and j)
    assert failed.status.failed == 2 and not failed.status.succeeded
    assert _conditions(failed) == {"FailureTarget": "BackoffLimitExceeded", "Failed": "BackoffLimitExceeded"}


def test_an_image_that_cannot_be_pulled_keeps_the_job_active(cluster: Cluster) -> None:
    import time

    batch = _batch(cluster)
    batch.create_namespaced_job("ml", _job("train-nopull", "registry.invalid.example/ml/trainer:1"))
    wait_for(lambda: batch.read_namespaced_job("train-nopull", "ml").status.active == 1)
    time.sleep(0.5)  # several simulated run times
    job = batch.read_namespaced_job("train-nopull", "ml")
    assert job.status.active == 1 and not job.status.conditions


def test_api_errors_look_like_the_real_ones(cluster: Cluster) -> None:
    batch = _batch(cluster)
    with pytest.raises(ApiException) as invalid:
        batch.create_namespaced_job("ml", _job("train-always", "ghcr.io/acme/trainer:1", restart="Always"))
    assert invalid.value.status == 422
    assert 'spec.template.spec.restartPolicy: Unsupported value: "Always"' in json.loads(invalid.value.body)["message"]
    batch.create_namespaced_job("ml", _job("train-twice", "ghcr.io/acme/trainer:1"))
    with pytest.raises(ApiException) as twice:
        batch.create_namespaced_job("ml", _job("train-twice", "ghcr.io/acme/trainer:1"))
    assert twice.value.status == 409 and json.loads(twice.value.body)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as nowhere:
        batch.create_namespaced_job("no-such-ns", _job("train-x", "ghcr.io/acme/trainer:1"))
    assert nowhere.value.status == 404
    changed = _job("train-twice", "ghcr.io/acme/trainer:2")
    with pytest.raises(ApiException) as immutable:
        batch.patch_namespaced_job("train-twice", "ml", {"spec": changed["spec"]})
    assert immutable.value.status == 422 and "field is immutable" in json.loads(immutable.value.body)["message"]
    groups = client.ApisApi(cluster.apps.api_client).get_api_versions()
    assert "batch/v1" in [v.group_version for g in groups.groups for v in g.versions]
