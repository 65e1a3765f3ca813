"""The deployment controller as kubectl users see it: rollouts, undo, scale, restart, stuck rollouts.

Each test works on its own deployment of the module's cluster, so they do not interfere."""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes.client import V1Deployment

from tests.sandbox.sandbox_testkit import Cluster, owned_replicasets, revision, rollout_complete, wait_for

REGISTRY = "registry.example.com/shop"


def _events(cluster: Cluster, namespace: str, name: str, kind: str) -> list[str]:
    selector = f"involvedObject.name={name},involvedObject.kind={kind}"
    return [
        f"{e.reason}: {e.message}" for e in cluster.core.list_namespaced_event(namespace, field_selector=selector).items
    ]


def test_image_patch_creates_a_new_replicaset_and_completes(cluster: Cluster) -> None:
    apps = cluster.apps
    before = apps.read_namespaced_deployment("cart", "prod")
    old_revisions = {rs.metadata.name: revision(rs) for rs in owned_replicasets(apps, "prod", "cart")}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "cart", "image": f"{REGISTRY}/cart:4.3.0"}]}}}}
    patched = apps.patch_namespaced_deployment("cart", "prod", patch)
    assert patched.metadata.generation == before.metadata.generation + 1
    # Strategic merge: only the image changed, the container's other fields survived.
    container = patched.spec.template.spec.containers[0]
    assert container.image.endswith("cart:4.3.0") and container.resources.requests["cpu"] == "250m"
    wait_for(lambda: rollout_complete(apps, "prod", "cart"))
    after = apps.read_namespaced_deployment("cart", "prod")
    assert revision(after) == max(old_revisions.values()) + 1
    new_rs = [rs for rs in owned_replicasets(apps, "prod", "cart") if rs.metadata.name not in old_revisions]
    assert len(new_rs) == 1 and revision(new_rs[0]) == revision(after)
    assert new_rs[0].spec.template.spec.containers[0].image.endswith("cart:4.3.0")
    others = [rs for rs in owned_replicasets(apps, "prod", "cart") if rs.metadata.name != new_rs[0].metadata.name]
    assert others and all(rs.spec.replicas == 0 for rs in others)
    pods = cluster.core.list_namespaced_pod("prod", label_selector="app=cart").items
    live = [p for p in pods if p.metadata.deletion_timestamp is None]
    assert len(live) == after.spec.replicas
    assert all(p.spec.containers[0].image.endswith("cart:4.3.0") and p.status.phase == "Running" for p in live)
    progressing = {c.type: c for c in after.status.conditions}["Progressing"]
    assert progressing.reason == "NewReplicaSetAvailable" and new_rs[0].metadata.name in progressing.message
    messages = _events(cluster, "prod", "cart", "Deployment")
    assert any(m.startswith(f"ScalingReplicaSet: Scaled up replica set {new_rs[0].metadata.name}") for m in messages)
    assert any("Scaled down replica set" in m for m in messages)
    rs_events = _events(cluster, "prod", new_rs[0].metadata.name, "ReplicaSet")
    assert any(m.startswith("SuccessfulCreate: Created pod:") for m in rs_events)


def test_undo_to_an_old_revision_the_kubectl_way(cluster: Cluster) -> None:
    apps = cluster.apps
    history = sorted(owned_replicasets(apps, "prod", "payments"), key=revision)
    target = history[0]
    old_number = revision(target)
    newest = revision(history[-1])
    template = apps.api_client.sanitize_for_serialization(target.spec.template)
    del template["metadata"]["labels"]["pod-template-hash"]
    # What `kubectl rollout undo --to-revision` sends: a JSON patch copying the ReplicaSet's template.
    apps.patch_namespaced_deployment(
        "payments", "prod", [{"op": "replace", "path": "/spec/template", "value": template}]
    )
    wait_for(lambda: rollout_complete(apps, "prod", "payments"))
    reused = apps.read_namespaced_replica_set(target.metadata.name, "prod")
    assert revision(reused) == newest + 1
    assert reused.metadata.annotations["deployment.kubernetes.io/revision-history"] == str(old_number)
    assert revision(apps.read_namespaced_deployment("payments", "prod")) == newest + 1
    numbers = sorted(revision(rs) for rs in owned_replicasets(apps, "prod", "payments"))
    assert old_number not in numbers and len(numbers) == len(history)
    assert reused.spec.replicas == apps.read_namespaced_deployment("payments", "prod").spec.replicas


def test_scale_subresource(cluster: Cluster) -> None:
    apps = cluster.apps
    scale = apps.read_namespaced_deployment_scale("catalog", "prod")
    assert scale.kind == "Scale" and scale.spec.replicas == 4 and scale.status.selector == "app=catalog"
    result = apps.patch_namespaced_deployment_scale("catalog", "prod", {"spec": {"replicas": 6}})
    assert result.spec.replicas == 6
    wait_for(
        lambda: (
            len(
                cluster.core.list_namespaced_pod(
                    "prod", label_selector="app=catalog", field_selector="status.phase=Running"
                ).items
            )
            == 6
        )
    )
    wait_for(lambda: rollout_complete(apps, "prod", "catalog"))
    current = apps.read_namespaced_deployment_scale("catalog", "prod")
    current.spec.replicas = 2
    apps.replace_namespaced_deployment_scale("catalog", "prod", current)
    wait_for(lambda: apps.read_namespaced_deployment("catalog", "prod").status.replicas == 2)
    assert len(owned_replicasets(apps, "prod", "catalog")) == 3  # scaling is not a new revision


def test_restart_annotation_rolls_a_new_replicaset(cluster: Cluster) -> None:
    apps = cluster.apps
    before = {p.metadata.name for p in cluster.core.list_namespaced_pod("staging", label_selector="app=cart").items}
    revision_before = revision(apps.read_namespaced_deployment("cart", "staging"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}}
    apps.patch_namespaced_deployment("cart", "staging", patch)
    wait_for(lambda: rollout_complete(apps, "staging", "cart"))
    dep = apps.read_namespaced_deployment("cart", "staging")
    assert revision(dep) == revision_before + 1
    pods = cluster.core.list_namespaced_pod("staging", label_selector="app=cart").items
    live = {p.metadata.name for p in pods if p.metadata.deletion_timestamp is None}
    assert live and not live & before
    assert all(
        p.metadata.annotations["kubectl.kubernetes.io/restartedAt"] == now for p in pods if p.metadata.name in live
    )


def test_failing_image_stalls_with_progress_deadline_exceeded(cluster: Cluster) -> None:
    apps, core = cluster.apps, cluster.core
    patch = {
        "spec": {
            "progressDeadlineSeconds": 30,
            "template": {"spec": {"containers": [{"name": "checkout", "image": f"{REGISTRY}/checkout:1.15.0-broken"}]}},
        }
    }
    apps.patch_namespaced_deployment("checkout", "staging", patch)

    def exceeded() -> V1Deployment | None:
        dep = apps.read_namespaced_deployment("checkout", "staging")
        cond = {c.type: c for c in dep.status.conditions or []}.get("Progressing")
        return dep if cond is not None and cond.reason == "ProgressDeadlineExceeded" else None

    dep = wait_for(exceeded)
    progressing = {c.type: c for c in dep.status.conditions}["Progressing"]
    assert progressing.status == "False" and "has timed out progressing" in progressing.message
    assert {c.type: c.status for c in dep.status.conditions}["Available"] == "True"  # old pods still serve
    assert (dep.status.updated_replicas or 0) >= 1 and (dep.status.unavailable_replicas or 0) >= 1
    broken = [
        p
        for p in core.list_namespaced_pod("staging", label_selector="app=checkout").items
        if p.spec.containers[0].image.endswith("-broken")
    ]
    assert broken

    def crash_looping() -> bool:
        status = core.read_namespaced_pod(broken[0].metadata.name, "staging").status.container_statuses[0]
        return bool(
            status.state.waiting
            and status.state.waiting.reason == "CrashLoopBackOff"
            and status.restart_count >= 2
            and not status.ready
        )

    wait_for(crash_looping)
    events = _events(cluster, "staging", broken[0].metadata.name, "Pod")
    assert any(e.startswith("BackOff: Back-off restarting failed container checkout") for e in events)
    log = core.read_namespaced_pod_log(broken[0].metadata.name, "staging", previous=True)
    assert "fatal" in log
    # The old ReplicaSet still runs most of the replicas: the rollout stalled, it did not proceed.
    old = [rs for rs in owned_replicasets(apps, "staging", "checkout") if rs.spec.replicas]
    assert any(not rs.spec.template.spec.containers[0].image.endswith("-broken") for rs in old)


def test_unknown_registry_gives_image_pull_backoff(cluster: Cluster) -> None:
    apps, core = cluster.apps, cluster.core
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "frontend", "image": "registry.exmaple.com/shop/frontend:3.9.0"}]}
            }
        }
    }
    apps.patch_namespaced_deployment("frontend", "staging", patch)

    def pull_backoff() -> bool:
        for pod in core.list_namespaced_pod("staging", label_selector="app=frontend").items:
            waiting = pod.status.container_statuses and pod.status.container_statuses[0].state.waiting
            if waiting and waiting.reason == "ImagePullBackOff":
                return pod.status.phase == "Pending"
        return False

    wait_for(pull_backoff)


def test_deleted_pod_is_replaced_by_its_replicaset(cluster: Cluster) -> None:
    core = cluster.core
    pods = core.list_namespaced_pod("prod", label_selector="app=search-api").items
    victim = pods[0].metadata.name
    core.delete_namespaced_pod(victim, "prod")

    def replaced() -> bool:
        now = core.list_namespaced_pod("prod", label_selector="app=search-api").items
        names = {p.metadata.name for p in now}
        ready = [p for p in now if p.status.container_statuses and p.status.container_statuses[0].ready]
        return victim not in names and len(ready) == len(pods)

    wait_for(replaced)


def test_revision_history_limit_and_recreate_strategy(cluster: Cluster) -> None:
    apps = cluster.apps
    patch = {"spec": {"revisionHistoryLimit": 1, "strategy": {"type": "Recreate", "rollingUpdate": None}}}
    apps.patch_namespaced_deployment("search-api", "prod", patch)
    for version in ("5.2.0", "5.3.0"):
        image = f"{REGISTRY}/search-api:{version}"
        containers = [{"name": "search-api", "image": image}]
        apps.patch_namespaced_deployment(
            "search-api", "prod", {"spec": {"template": {"spec": {"containers": containers}}}}
        )
        wait_for(lambda: rollout_complete(apps, "prod", "search-api"))
    history = owned_replicasets(apps, "prod", "search-api")
    # The current ReplicaSet plus `revisionHistoryLimit` old ones.
    assert sorted(rs.spec.template.spec.containers[0].image.rsplit(":", 1)[1] for rs in history) == [
        "5.2.0",
        "5.3.0",
    ]
    messages = _events(cluster, "prod", "search-api", "Deployment")
    new_name = next(rs.metadata.name for rs in history if rs.spec.replicas)
    # Recreate: the old ReplicaSet goes to zero before the new one is scaled up at once.
    assert f"ScalingReplicaSet: Scaled up replica set {new_name} from 0 to 3" in messages
