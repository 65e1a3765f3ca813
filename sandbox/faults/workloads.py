"""Faults of a deployment's pods: crash loops, image pulls, OOM kills, failing readiness probes,
a missing ConfigMap key, unschedulable pods, a stuck rollout.

Each `apply_*` changes the cluster the way the real cause would (a release, a memory limit, a
request no node can meet, a taint) and returns the record the engine keeps: which pods it touches
(`selector`, `container`, and `image` when only a release's pods are affected), what they do
(`behaviour`), what the app logs (`story`), and what `clear` must undo (`release`, `tainted`).
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

from ..meta import Obj, clone, name_of
from ..quantity import parse_quantity
from ..scheduler import Scheduler, pod_requests
from ..store import Store
from . import releases
from .spec import (
    CrashloopParams,
    Fault,
    FaultError,
    ImagePullParams,
    MissingConfigMapKeyParams,
    OomParams,
    PendingParams,
    ReadinessParams,
    StuckRolloutParams,
)

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _service_ip(*parts: object) -> str:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return f"10.96.{digest[0]}.{1 + digest[1] % 254}"


def _base(fault: Fault, dep: Obj, container: str) -> dict[str, Any]:
    return {
        "selector": dict((dep["spec"].get("selector") or {}).get("matchLabels") or {}),
        "container": container,
        "deployment_uid": dep["metadata"]["uid"],
    }


def _release(store: Store, dep: Obj, record: dict[str, Any], opts: Any, mutate: Any, cause: str = "") -> None:
    """Roll out the release (a new image unless only `mutate` is wanted) and scope the fault to it."""
    container = record["container"]
    current = releases.container_of(dep, container, "release")
    image = releases.next_image(str(current.get("image", "")), opts.image)

    def change(template: Obj) -> None:
        def on_container(c: dict[str, Any]) -> None:
            c["image"] = image
            mutate(c)

        releases.set_container(template, container, on_container)

    record["release"] = releases.roll_out(
        store, dep, change, opts.change_cause or cause or f"release {releases.release_tag(image)}"
    )
    record["image"] = image


def _crash_story(fault: Fault, opts: CrashloopParams, dep: Obj, container: dict[str, Any]) -> str:
    ns = fault.namespace
    if opts.reason == "missing-env":
        env = opts.env or f"{fault.name.upper().replace('-', '_')}_DATABASE_URL"
        if any(e.get("name") == env for e in container.get("env") or []):
            raise FaultError(f"crashloop: {fault.target} already sets {env}; name another variable with env=")
        return f"required environment variable {env} is not set"
    if opts.reason == "panic":
        return "panic: runtime error: invalid memory address or nil pointer dereference"
    if opts.reason == "bad-config":
        return 'config validation failed: unknown field "retry_policy" in /etc/app/config.yaml'
    dependency = opts.dependency or f"postgres.{ns}.svc:5432"
    host, _, port = dependency.rpartition(":")
    if not host or not port.isdigit():
        raise FaultError(f"crashloop: dependency is host:port, not {dependency!r}")
    return f"failed to connect to {dependency}: dial tcp {_service_ip(ns, host)}:{port}: connect: connection refused"


def apply_crashloop(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: CrashloopParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    record = _base(fault, dep, container["name"])
    record["story"] = _crash_story(fault, opts, dep, container)
    record["behaviour"] = {"outcome": "crash", "exit_code": opts.exit_code}
    if opts.rollout or opts.image:
        _release(store, dep, record, opts, lambda c: None)
    return record


_PULL_ERRORS = {
    "not-found": "{ref}: not found",
    "unauthorized": (
        "failed to authorize: failed to fetch oauth token: unexpected status from GET request to "
        "https://{registry}/token?scope=repository%3A{repo_q}%3Apull&service={registry}: 401 Unauthorized"
    ),
    "no-such-host": (
        'failed to do request: Head "https://{registry}/v2/{repository}/manifests/{tag}": '
        "dial tcp: lookup {registry} on 10.96.0.10:53: no such host"
    ),
}


def pull_message(image: str, error: str) -> str:
    from ..config import split_image

    registry, repository, tag = split_image(image)
    detail = _PULL_ERRORS[error].format(
        ref=f"{registry}/{repository}:{tag}",
        registry=registry,
        repository=repository,
        repo_q=repository.replace("/", "%2F"),
        tag=tag,
    )
    return f'failed to pull and unpack image "{image}": failed to resolve reference "{image}": {detail}'


def apply_image_pull(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: ImagePullParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    record = _base(fault, dep, container["name"])
    _release(store, dep, record, opts, lambda c: None)
    record["behaviour"] = {"outcome": "pull", "message": pull_message(record["image"], opts.error)}
    return record


def apply_oom(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: OomParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    record = _base(fault, dep, container["name"])
    limit = opts.limit or ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if not limit:
        raise FaultError(f"oom: {fault.target} sets no memory limit; give one with limit=512Mi")
    record["behaviour"] = {"outcome": "oom", "exit_code": 137}
    record["usage"] = {"memory": str(parse_quantity(opts.usage or limit) * (1 if opts.usage else Decimal("0.99")))}
    if opts.limit or opts.rollout or opts.image:

        def set_limit(c: dict[str, Any]) -> None:
            resources = c.setdefault("resources", {})
            resources.setdefault("limits", {})["memory"] = str(limit)
            requests = resources.get("requests") or {}
            if "memory" in requests and parse_quantity(requests["memory"]) > parse_quantity(limit):
                requests["memory"] = str(limit)

        record["memory_limit"] = str(limit)  # only containers with the new limit run out of memory
        if opts.image or opts.rollout:
            _release(store, dep, record, opts, set_limit)
        else:  # only the limit changes: a new revision of the same image
            record["release"] = releases.roll_out(
                store,
                dep,
                lambda t: releases.set_container(t, container["name"], set_limit),
                opts.change_cause or f"memory limit {limit}",
            )
    return record


def _probe_failure(container: dict[str, Any], status_code: int) -> str:
    probe = container.get("readinessProbe") or {}
    if "httpGet" in probe or not probe:
        return f"HTTP probe failed with statuscode: {status_code}"
    if "tcpSocket" in probe:
        return f"dial tcp {{pod_ip}}:{probe['tcpSocket'].get('port')}: connect: connection refused"
    return "command terminated with non-zero exit code: exit status 1"


def _ready_probe(container: dict[str, Any]) -> dict[str, Any]:
    port = next((p.get("containerPort") for p in container.get("ports") or []), 8080)
    return {
        "httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def apply_readiness(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: ReadinessParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    if not container.get("readinessProbe") and not (opts.rollout or opts.image):
        raise FaultError(
            f"readiness: container {container['name']} of {fault.target} has no readiness probe; declare "
            "readiness_probe in the scenario, or pass rollout=true (a release that adds one)"
        )
    record = _base(fault, dep, container["name"])
    ns = fault.namespace
    record["story"] = opts.reason or (
        f"readiness check failed: redis.{ns}.svc:6379: dial tcp {_service_ip(ns, 'redis')}:6379: "
        "connect: connection refused"
    )
    record["behaviour"] = {"outcome": "unready", "message": _probe_failure(container, opts.status_code)}
    if opts.rollout or opts.image:
        _release(store, dep, record, opts, lambda c: c.setdefault("readinessProbe", _ready_probe(c)))
    return record


def _configmap_for(store: Store, fault: Fault, wanted: str) -> Obj:
    ns = fault.namespace
    if wanted:
        found = store.get("configmaps", ns, wanted)
        if found is None:
            raise FaultError(f"missing-configmap-key: ConfigMap {ns}/{wanted} not found")
        return found
    found = store.get("configmaps", ns, f"{fault.name}-config")
    if found is None:
        found = next(
            (
                c
                for c in store.sorted_items("configmaps", ns)
                if (c["metadata"].get("labels") or {}).get("app") == fault.name
            ),
            None,
        )
    if found is None:
        raise FaultError(
            f"missing-configmap-key: no ConfigMap {fault.name}-config (or labelled app={fault.name}) in {ns}; "
            "name one with configmap="
        )
    return found


def apply_missing_configmap_key(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: MissingConfigMapKeyParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    configmap = _configmap_for(store, fault, opts.configmap)
    key = opts.key or "FEATURE_FLAGS"
    if key in (configmap.get("data") or {}):
        raise FaultError(f"missing-configmap-key: ConfigMap {fault.namespace}/{name_of(configmap)} has key {key}")
    record = _base(fault, dep, container["name"])

    def add_env(c: dict[str, Any]) -> None:
        ref = {"configMapKeyRef": {"name": name_of(configmap), "key": key}}
        c["env"] = [*(c.get("env") or []), {"name": opts.env or key, "valueFrom": ref}]

    _release(store, dep, record, opts, add_env)
    record["configmap"], record["key"] = name_of(configmap), key
    return record


def _eligible_nodes(store: Store, pod_spec: dict[str, Any], wanted: dict[str, Decimal]) -> list[Obj]:
    scheduler = Scheduler(store.items("nodes"), store.items("pods"))
    return [n for n in scheduler.nodes if not scheduler._unfit(n, pod_spec, wanted)]


def _too_big(store: Store, pod_spec: dict[str, Any], resource: str) -> str:
    """A request no node the pod may use can hold (more than the largest allocatable)."""
    nodes = _eligible_nodes(store, pod_spec, {}) or store.items("nodes")
    most = max(parse_quantity(((n.get("status") or {}).get("allocatable") or {}).get(resource, "0")) for n in nodes)
    if resource == "memory":
        return f"{math.floor(most / 2**30) + 1}Gi"
    return str(math.floor(most) + 1)


def _parse_taint(text: str) -> dict[str, str]:
    body, _, effect = text.partition(":")
    key, _, value = body.partition("=")
    taint = {"key": key, "effect": effect or "NoSchedule"}
    if value:
        taint["value"] = value
    return taint


def apply_pending(store: Store, fault: Fault, dep: Obj, now_iso: str) -> dict[str, Any]:
    opts: PendingParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    record = _base(fault, dep, container["name"])
    pod_spec = dep["spec"]["template"]["spec"]
    if opts.taint:
        taint = {**_parse_taint(opts.taint), "timeAdded": now_iso}
        nodes = _eligible_nodes(store, pod_spec, pod_requests(pod_spec))
        if not nodes:
            raise FaultError(f"pending: no node can run {fault.target} now; nothing to taint")
        record["tainted"] = {"nodes": [name_of(n) for n in nodes], "taint": taint}
        from .nodes import add_taints

        for node in nodes:
            add_taints(store, node, [taint])
        if taint["effect"] != "NoExecute":  # new pods must be placed for the taint to show: restart
            record["release"] = releases.roll_out(
                store,
                dep,
                lambda t: t.setdefault("metadata", {}).setdefault("annotations", {}).__setitem__(RESTARTED_AT, now_iso),
                "",
            )
        return record
    amount = opts.amount or _too_big(store, pod_spec, opts.resource)

    def raise_request(c: dict[str, Any]) -> None:
        resources = c.setdefault("resources", {})
        resources.setdefault("requests", {})[opts.resource] = amount
        limits = resources.get("limits") or {}
        if opts.resource in limits or opts.resource == "nvidia.com/gpu":
            resources.setdefault("limits", {})[opts.resource] = amount

    cause = opts.change_cause or f"{opts.resource} request {amount}"
    record["release"] = releases.roll_out(
        store, dep, lambda t: releases.set_container(t, container["name"], raise_request), cause
    )
    if opts.replicas is not None:
        current = store.get("deployments", fault.namespace, fault.name)
        assert current is not None
        record["replicas_before"] = int(current["spec"].get("replicas", 1))
        scaled = clone(current)
        scaled["spec"]["replicas"] = opts.replicas
        scaled["metadata"]["generation"] = int(scaled["metadata"].get("generation", 1)) + 1
        store.update("deployments", scaled)
    record["request"] = {opts.resource: amount}
    return record


def apply_stuck_rollout(store: Store, fault: Fault, dep: Obj) -> dict[str, Any]:
    opts: StuckRolloutParams = fault.options()
    container = releases.container_of(dep, opts.container, fault.kind)
    record = _base(fault, dep, container["name"])
    if opts.cause == "crashloop":
        record["behaviour"] = {"outcome": "crash", "exit_code": 1}
        record["story"] = 'config validation failed: unknown field "retry_policy" in /etc/app/config.yaml'
        _release(store, dep, record, opts, lambda c: None)
    else:
        record["behaviour"] = {"outcome": "unready", "message": "HTTP probe failed with statuscode: 503"}
        record["story"] = "readiness check failed: warming caches: 0/12 shards loaded"
        _release(store, dep, record, opts, lambda c: c.setdefault("readinessProbe", _ready_probe(c)))
    if opts.progress_deadline_seconds is not None:
        current = store.get("deployments", fault.namespace, fault.name)
        assert current is not None
        new = clone(current)
        record["deadline_before"] = current["spec"].get("progressDeadlineSeconds")
        new["spec"]["progressDeadlineSeconds"] = opts.progress_deadline_seconds
        new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
        store.update("deployments", new)
    return record
