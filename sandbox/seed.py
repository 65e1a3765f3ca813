"""Fill an empty store from a scenario: a settled cluster whose deployments already have their
revision history, running pods placed on nodes, and no pending work for the controllers."""

from __future__ import annotations

from typing import Any

from . import scenario as sc
from .controller import Controller
from .defaults import default_deployment, default_template
from .eviction import pdb_object
from .meta import Obj, clone, hex_digest, iso, owner_ref, stable_uid
from .nodes import node_object
from .replicasets import pod_spec_from
from .rollout import CHANGE_CAUSE, REVISION
from .scheduler import Scheduler
from .templates import HASH_LABEL, template_hash, with_hash


def seed(controller: Controller, scenario: sc.Scenario, now: float) -> None:
    store = controller.store
    with store.lock:
        for name in (
            *sc.SYSTEM_NAMESPACES,
            *(n.name for n in scenario.namespaces if n.name not in sc.SYSTEM_NAMESPACES),
        ):
            labels = next((n.labels for n in scenario.namespaces if n.name == name), {})
            _create(controller, "namespaces", _namespace(name, labels), now - 120 * 86400)
            _create(controller, "configmaps", _root_ca(name), now - 120 * 86400)
        for index, node in enumerate(scenario.nodes):
            store.create("nodes", node_object(node, index, now), now=now - node.age)
        for cm in scenario.configmaps:
            obj = {
                "kind": "ConfigMap",
                "apiVersion": "v1",
                "metadata": {
                    "name": cm.name,
                    "namespace": cm.namespace,
                    **({"labels": cm.labels} if cm.labels else {}),
                },
                "data": dict(cm.data),
            }
            _create(controller, "configmaps", obj, now - 30 * 86400)
        for budget in scenario.pdbs:
            _create(controller, "poddisruptionbudgets", pdb_object(budget), now - 30 * 86400)
        for pod in scenario.pods:
            _seed_pod(controller, pod, now)
        for dep in scenario.deployments:
            _seed_deployment(controller, dep, now)
        controller.reconcile(now)
        for dep in scenario.deployments:
            _backdate_conditions(controller, dep, now)


def _create(controller: Controller, resource: str, obj: Obj, created: float) -> Obj:
    meta = obj["metadata"]
    meta.setdefault("uid", stable_uid(resource, meta.get("namespace", ""), meta["name"]))
    return controller.store.create(resource, obj, now=created)


def _namespace(name: str, labels: dict[str, str]) -> Obj:
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def _root_ca(namespace: str) -> Obj:
    body = "\n".join(hex_digest("ca", i, length=64) for i in range(8))
    pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    return {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": "kube-root-ca.crt",
            "namespace": namespace,
            "annotations": {
                "kubernetes.io/description": "Contains a CA bundle that can be used to "
                "verify the kube-apiserver when using internal endpoints such as the "
                "internal service IP or kubernetes.default.svc. No other usage is "
                "guaranteed across distributions of Kubernetes clusters."
            },
        },
        "data": {"ca.crt": pem},
    }


def _container(c: sc.Container) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "image": c.image}
    if c.args:
        out["args"] = list(c.args)
    if c.ports:
        out["ports"] = [
            {"containerPort": p, "name": f"http{'' if i == 0 else i}", "protocol": "TCP"} for i, p in enumerate(c.ports)
        ]
    if c.env:
        out["env"] = [{"name": k, "value": v} for k, v in c.env.items()]
    resources: dict[str, Any] = {}
    if c.limits:
        resources["limits"] = {k: str(v) for k, v in c.limits.items()}
    if c.requests:
        resources["requests"] = {k: str(v) for k, v in c.requests.items()}
    out["resources"] = resources
    if c.readiness_probe is not None:
        port = c.readiness_probe.port or (c.ports[0] if c.ports else 8080)
        out["readinessProbe"] = {
            "httpGet": {"path": c.readiness_probe.path, "port": port, "scheme": "HTTP"},
            "periodSeconds": c.readiness_probe.period_seconds,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        }
    return out


def _pod_spec(w: sc._Workload) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [_container(c) for c in w.containers]}
    if w.node_selector:
        spec["nodeSelector"] = dict(w.node_selector)
    if w.tolerations:
        spec["tolerations"] = [t.model_dump(exclude_none=True) for t in w.tolerations]
    return spec


def _seed_pod(controller: Controller, pod: sc.Pod, now: float) -> None:
    started = now - pod.age
    labels = dict(pod.labels)
    metadata: Obj = {
        "name": pod.name,
        "namespace": pod.namespace,
        "labels": labels,
        "uid": stable_uid("pod", pod.namespace, pod.name),
    }
    if pod.annotations:
        metadata["annotations"] = dict(pod.annotations)
    if pod.owner is not None:
        owner_uid = stable_uid(pod.owner.kind, pod.namespace, pod.owner.name)
        metadata["ownerReferences"] = [
            {
                "apiVersion": pod.owner.api_version,
                "kind": pod.owner.kind,
                "name": pod.owner.name,
                "uid": owner_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        if pod.owner.kind == "Job":
            labels.update(
                {
                    "batch.kubernetes.io/controller-uid": owner_uid,
                    "batch.kubernetes.io/job-name": pod.owner.name,
                    "controller-uid": owner_uid,
                    "job-name": pod.owner.name,
                }
            )
    template = default_template({"spec": _pod_spec(pod)})
    spec = pod_spec_from(template)
    if pod.owner is not None and pod.owner.kind == "Job":
        spec["restartPolicy"] = "Never"
    obj = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": "Pending"},
    }
    created = controller.store.create("pods", obj, now=started)
    _place_and_start(controller, created, pod.node, started)


def _place_and_start(controller: Controller, pod: Obj, node: str | None, started: float) -> None:
    store = controller.store
    if node is None:
        placement = Scheduler(store.items("nodes"), store.items("pods")).place(pod)
        if placement.node is None:
            controller.kubelet.unschedulable(pod, placement.message, started)
            return
        node = placement.node
    bound = controller.kubelet.bind(pod, node, started, quiet=True)
    store.timers.pop(f"{bound['metadata']['uid']}:start", None)
    controller.kubelet.start(bound, started, quiet=True)


def _template(dep: sc.Deployment, image: str) -> dict[str, Any]:
    spec = _pod_spec(dep)
    spec["containers"][0]["image"] = image
    labels = {"app": dep.name, **{k: v for k, v in dep.labels.items() if k != "app"}}
    return default_template({"metadata": {"labels": labels}, "spec": spec})


def _seed_deployment(controller: Controller, dep: sc.Deployment, now: float) -> None:
    store = controller.store
    revisions = [
        *dep.history,
        sc.Revision(image=dep.containers[0].image, change_cause=dep.change_cause, age=dep.age),
    ]
    created = now - max(r.age for r in revisions)
    annotations = dict(dep.annotations)
    if dep.change_cause:
        annotations[CHANGE_CAUSE] = dep.change_cause
    annotations[REVISION] = str(len(revisions))
    strategy: dict[str, Any] = {"type": dep.strategy}
    if dep.strategy == "RollingUpdate":
        strategy["rollingUpdate"] = {"maxSurge": dep.max_surge, "maxUnavailable": dep.max_unavailable}
    obj = default_deployment(
        {
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "metadata": {
                "name": dep.name,
                "namespace": dep.namespace,
                "generation": len(revisions),
                "uid": stable_uid("deployment", dep.namespace, dep.name),
                "labels": {"app": dep.name, **dep.labels},
                "annotations": annotations,
            },
            "spec": {
                "replicas": dep.replicas,
                "selector": {"matchLabels": {"app": dep.name}},
                "template": _template(dep, dep.containers[0].image),
                "strategy": strategy,
                "revisionHistoryLimit": dep.revision_history_limit,
                "progressDeadlineSeconds": dep.progress_deadline_seconds,
                **({"minReadySeconds": dep.min_ready_seconds} if dep.min_ready_seconds else {}),
            },
        }
    )
    deployment = store.create("deployments", obj, now=created)
    for number, revision in enumerate(revisions, start=1):
        current = number == len(revisions)
        template = _template(dep, revision.image)
        pod_hash = template_hash(template)
        rs_annotations = {k: v for k, v in dep.annotations.items()}
        if revision.change_cause:
            rs_annotations[CHANGE_CAUSE] = revision.change_cause
        rs_annotations.update(
            {
                "deployment.kubernetes.io/desired-replicas": str(dep.replicas),
                "deployment.kubernetes.io/max-replicas": str(dep.replicas + 1),
                REVISION: str(number),
            }
        )
        hashed = with_hash(template, pod_hash)
        rs = {
            "kind": "ReplicaSet",
            "apiVersion": "apps/v1",
            "metadata": {
                "name": f"{dep.name}-{pod_hash}",
                "namespace": dep.namespace,
                "uid": stable_uid("replicaset", dep.namespace, dep.name, pod_hash),
                "generation": 1 if current else 2,
                "labels": dict(hashed["metadata"]["labels"]),
                "annotations": rs_annotations,
                "ownerReferences": [owner_ref(deployment, api_version="apps/v1", kind="Deployment")],
            },
            "spec": {
                "replicas": dep.replicas if current else 0,
                "selector": {"matchLabels": {"app": dep.name, HASH_LABEL: pod_hash}},
                "template": hashed,
            },
            "status": {"replicas": 0},
        }
        rs_obj = store.create("replicasets", rs, now=now - revision.age)
        if current:
            for i in range(dep.replicas):
                started = now - revision.age + 20 + 7 * i
                pod = controller.replicasets.create_pod(rs_obj, started, quiet=True)
                _place_and_start(controller, clone(pod), None, started)


def _backdate_conditions(controller: Controller, dep: sc.Deployment, now: float) -> None:
    store = controller.store
    current = store.get("deployments", dep.namespace, dep.name)
    if current is None:
        return
    rolled_out = iso(now - dep.age + 60)
    new = clone(current)
    for cond in (new.get("status") or {}).get("conditions") or []:
        cond["lastUpdateTime"] = cond["lastTransitionTime"] = rolled_out
    store.update("deployments", new)
