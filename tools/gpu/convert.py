"""The steps of a MIG or time-slicing conversion, done the way the NVIDIA GPU operator expects.

Each returns what it found ({"did": ..., "undo": ...}) and is idempotent: it reads the cluster
first and only changes what is not yet as wanted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import yaml

from opsgraph.tools.errors import Conflict, NotFound, ToolError
from opsgraph.tools.gpu._client import GpuApi
from opsgraph.tools.gpu.model import GPU, is_gpu_resource

POLL_S = 0.1
ORIGINAL = "opsgraph.io/gpu-sharing-original"
PRODUCT = "nvidia.com/gpu.product"
Clock = Callable[[], float]
Obj = dict[str, Any]


def controller(pod: Obj) -> str:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind')}/{ref.get('name')}"
    return f"Pod/{pod['metadata']['name']}"


def resources_of(container: Obj) -> list[str]:
    resources = container.get("resources") or {}
    return [*(resources.get("requests") or {}), *(resources.get("limits") or {})]


def _gpu_pod(pod: Obj) -> bool:
    return any(is_gpu_resource(k) for c in (pod.get("spec") or {}).get("containers") or [] for k in resources_of(c))


def evict(api: GpuApi, namespace: str, name: str, deadline: float, clock: Clock) -> None:
    """Evict through the API (budgets enforced); a budget with no room is retried until the deadline."""
    while True:
        try:
            api.evict(namespace, name)
            return
        except NotFound:
            return  # already gone
        except ToolError as exc:
            if "disruption budget" not in exc.message.lower() or clock() > deadline:
                raise
            time.sleep(POLL_S * 5)  # the budget frees up as replacements become ready


def drain(api: GpuApi, node: str, deadline: float, clock: Clock) -> dict[str, Any]:
    """Evict every GPU pod on the node and wait until none is left (terminating ones included):
    the MIG manager cannot repartition GPUs a process holds. Other pods stay."""
    evicted: list[str] = []
    while True:
        on_node = [p for p in api.cluster.pods(None) if (p.get("spec") or {}).get("nodeName") == node and _gpu_pod(p)]
        if not on_node:
            break
        for pod in on_node:
            md = pod["metadata"]
            if not md.get("deletionTimestamp"):
                evict(api, md["namespace"], md["name"], deadline, clock)
                evicted.append(f"{md['namespace']}/{md['name']}")
        if clock() > deadline:
            left = ", ".join(sorted(p["metadata"]["name"] for p in on_node)[:5])
            raise Conflict(f"{node} still holds GPU pods after the drain: {left}")
        time.sleep(POLL_S)
    return {"did": f"drain {node}: {len(evicted)} GPU pod(s) evicted" if evicted else f"drain {node}: no GPU pod left",
            "evicted": evicted}  # fmt: skip


def sharing_config(api: GpuApi, configmap: str, config: str, replicas: int) -> dict[str, Any]:
    """The device plugin's time-slicing entry `config` (replicas per GPU) in its ConfigMap."""
    namespace, _, name = configmap.partition("/")
    wanted = yaml.safe_dump(
        {"version": "v1", "sharing": {"timeSlicing": {"resources": [{"name": GPU, "replicas": replicas}]}}},
        sort_keys=False,
    )
    try:
        current = api.configmap(namespace, name)
    except NotFound:
        api.create_configmap(namespace, {"metadata": {"name": name, "namespace": namespace}, "data": {config: wanted}})
        did = f"create ConfigMap {configmap} with entry {config} ({replicas} replicas per GPU)"
        return {"did": did, "undo": f"delete ConfigMap {configmap} (and the ClusterPolicy's devicePlugin.config)"}
    if (current.get("data") or {}).get(config) == wanted:
        return {"did": f"ConfigMap {configmap} already has entry {config}"}
    api.patch_configmap(namespace, name, {"data": {config: wanted}})
    return {"did": f"add entry {config} ({replicas} replicas per GPU) to ConfigMap {configmap}"}


def _labels(node: Obj) -> dict[str, str]:
    return dict((node.get("metadata") or {}).get("labels") or {})


def _allocatable(node: Obj, resource: str) -> int:
    raw = ((node.get("status") or {}).get("allocatable") or {}).get(resource, "0")
    try:
        return int(raw)
    except ValueError:
        return 0


def mig_config(api: GpuApi, node: str, config: str, deadline: float, clock: Clock) -> dict[str, Any]:
    """Label the node `nvidia.com/mig.config=<config>` and wait for the MIG manager's `success`
    and the device plugin advertising the instances (mixed strategy: `nvidia.com/mig-<profile>`;
    single: `nvidia.com/gpu`, the product renamed `...-MIG-<profile>`)."""
    labels = _labels(api.node(node))
    before = labels.get("nvidia.com/mig.config", "all-disabled")
    if before != config:
        api.patch_node(node, {"metadata": {"labels": {"nvidia.com/mig.config": config}}})
    profile = config.removeprefix("all-")
    while True:
        current = api.node(node)
        labels = _labels(current)
        state = labels.get("nvidia.com/mig.config.state")
        if labels.get("nvidia.com/mig.config") == config and state == "failed":
            raise Conflict(
                f"the MIG manager failed to apply {config} on {node}",
                hint=f"see the node's events (`kubectl describe node {node}`); a process may still hold a GPU",
            )
        if labels.get("nvidia.com/mig.config") == config and state == "success":
            single = labels.get("nvidia.com/mig.strategy") == "single"
            resource = GPU if single else f"nvidia.com/mig-{profile}"
            if _allocatable(current, resource) > 0 and (not single or labels.get(PRODUCT, "").endswith(profile)):
                return {"did": f"{node}: MIG {config} applied, {_allocatable(current, resource)} x {resource}",
                        "resource": resource, "strategy": "single" if single else "mixed",
                        "undo": f"label {node} nvidia.com/mig.config={before}"}  # fmt: skip
        if clock() > deadline:
            raise Conflict(f"{node} did not finish MIG {config} (state {state or 'unknown'})",
                           hint="is the GPU operator's MIG manager running on the node?")  # fmt: skip
        time.sleep(POLL_S)


def plugin_config(api: GpuApi, node: str, config: str, replicas: int, deadline: float, clock: Clock) -> dict[str, Any]:
    """Select the time-slicing entry with `nvidia.com/device-plugin.config=<config>` and wait for
    the device plugin to advertise each GPU `replicas` times."""
    labels = _labels(api.node(node))
    before = labels.get("nvidia.com/device-plugin.config")
    if before != config:
        api.patch_node(node, {"metadata": {"labels": {"nvidia.com/device-plugin.config": config}}})
    count = int(labels.get("nvidia.com/gpu.count", "0") or 0)
    while True:
        current = api.node(node)
        labels = _labels(current)
        if labels.get("nvidia.com/gpu.replicas") == str(replicas) and _allocatable(current, GPU) == count * replicas:
            undo = f"label {node} nvidia.com/device-plugin.config={before}" if before else (
                f"remove label nvidia.com/device-plugin.config from {node}")  # fmt: skip
            return {"did": f"{node}: time-slicing {config}, {count * replicas} x {GPU}", "undo": undo}
        if clock() > deadline:
            raise Conflict(
                f"{node} does not advertise {count * replicas} {GPU} after selecting {config}",
                hint="does the ClusterPolicy's devicePlugin.config.name name the time-slicing ConfigMap?",
            )
        time.sleep(POLL_S)


def taint(api: GpuApi, node: str, wanted: dict[str, str]) -> dict[str, Any]:
    taints = list((api.node(node).get("spec") or {}).get("taints") or [])
    if any(t.get("key") == wanted["key"] and t.get("effect") == wanted["effect"] for t in taints):
        return {"did": f"{node} already tainted {wanted['key']}"}
    api.patch_node(node, {"spec": {"taints": [*taints, wanted]}})
    return {"did": f"taint {node} {wanted['key']}={wanted['value']}:{wanted['effect']}",
            "undo": f"remove taint {wanted['key']} from {node}"}  # fmt: skip


def _toleration(taint_key: str) -> dict[str, str]:
    return {"key": taint_key, "operator": "Exists", "effect": "NoSchedule"}


def retarget(api: GpuApi, p: dict[str, Any], resource: str, deadline: float, clock: Clock) -> dict[str, Any]:
    """Patch the Deployment to request one `resource` instead of a whole GPU, to select the nodes
    labelled `<label>=<config>` (instead of a GPU product, which the operator renames on shared
    nodes) and to tolerate the shared taint; wait until all its replicas run there. The template
    as it was is kept in the annotation `opsgraph.io/gpu-sharing-original` for undo."""
    namespace, name, label, config = p["namespace"], p["name"], p["label"], p["config"]
    deployment = api.deployment(namespace, name)
    template = (deployment.get("spec") or {}).get("template") or {}
    spec = template.get("spec") or {}
    selector = dict(spec.get("nodeSelector") or {})
    tolerations = list(spec.get("tolerations") or [])
    annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    gpu_containers = [c for c in spec.get("containers") or [] if any(is_gpu_resource(k) for k in resources_of(c))]
    patched = selector.get(label) == config and all(resource in resources_of(c) for c in gpu_containers)
    if not patched:
        containers = []
        for c in spec.get("containers") or []:
            res = c.get("resources") or {}
            change: dict[str, Any] = {}
            for part in ("requests", "limits"):
                amounts = res.get(part) or {}
                if GPU in amounts and resource != GPU:
                    change[part] = {GPU: None, resource: str(amounts[GPU])}
            if change:
                containers.append({"name": c["name"], "resources": change})
        shared_taint = "nvidia.com/gpu.shared"
        if not any(t.get("key") == shared_taint for t in tolerations):
            tolerations.append(_toleration(shared_taint))
        template_patch: dict[str, Any] = {
            "nodeSelector": {**({PRODUCT: None} if PRODUCT in selector else {}), label: config},
            "tolerations": tolerations,
        }
        if containers:
            template_patch["containers"] = containers
        patch: dict[str, Any] = {"spec": {"template": {"spec": template_patch}}}
        if ORIGINAL not in annotations:
            resources = {c["name"]: c.get("resources") or {} for c in spec.get("containers") or []}
            original = {"nodeSelector": selector, "tolerations": spec.get("tolerations") or [], "resources": resources}
            patch["metadata"] = {"annotations": {ORIGINAL: json.dumps(original, sort_keys=True)}}
        api.patch_deployment(namespace, name, patch)
    replicas = _wait_rollout(api, namespace, name, deadline, clock, on=(label, config), resource=resource)
    return {"did": f"retarget {namespace}/{name}: {replicas} replica(s) on {resource} of nodes {label}={config}",
            "undo": f"restore {namespace}/deployment/{name} from its annotation {ORIGINAL} "
                    f"(or `kubectl rollout undo deployment/{name} -n {namespace}`)"}  # fmt: skip


def _wait_rollout(
    api: GpuApi, namespace: str, name: str, deadline: float, clock: Clock, *,
    on: tuple[str, str] | None = None, resource: str | None = None,
) -> int:  # fmt: skip
    """Wait until the Deployment's live pods are exactly its replicas, all Running (on nodes with
    the label `on`, requesting `resource`, when given). Returns the replicas."""
    nodes: dict[str, dict[str, str]] = {}
    problem = ""
    while True:
        deployment = api.deployment(namespace, name)
        wanted = int((deployment.get("spec") or {}).get("replicas", 1))
        match = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
        pods = [p for p in api.cluster.pods(namespace, selector) if not p["metadata"].get("deletionTimestamp")]
        problem = _rollout_problem(api, pods, wanted, nodes, on, resource)
        if not problem:
            return wanted
        if clock() > deadline:
            raise Conflict(f"{namespace}/{name}: {problem}", hint="look at the pending pods' events")
        time.sleep(POLL_S)


def _rollout_problem(
    api: GpuApi, pods: list[Obj], wanted: int, nodes: dict[str, dict[str, str]],
    on: tuple[str, str] | None, resource: str | None,
) -> str:  # fmt: skip
    if len(pods) != wanted:
        return f"{len(pods)} live pod(s), {wanted} wanted"
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        node = (pod.get("spec") or {}).get("nodeName")
        if phase != "Running" or not node:
            return f"pod {pod['metadata']['name']} is {phase or 'Pending'}"
        if resource and not any(resource in resources_of(c) for c in pod["spec"].get("containers") or []):
            return f"pod {pod['metadata']['name']} does not request {resource} yet"
        if on is not None:
            if node not in nodes:
                nodes[node] = _labels(api.node(node))
            if nodes[node].get(on[0]) != on[1]:
                return f"pod {pod['metadata']['name']} runs on {node}, not a node labelled {on[0]}={on[1]}"
    return ""


def verify(api: GpuApi, workloads: list[str], deadline: float, clock: Clock) -> dict[str, Any]:
    """Every workload the plan touched runs all its replicas (Deployments), or has no pod that is
    not Running (other controllers)."""
    for workload in workloads:
        namespace, kind, name = workload.split("/", 2)
        if kind == "Deployment":
            _wait_rollout(api, namespace, name, deadline, clock)
            continue
        while True:
            stuck = [p["metadata"]["name"] for p in api.cluster.pods(namespace) if controller(p) == f"{kind}/{name}"
                     and not p["metadata"].get("deletionTimestamp")
                     and (p.get("status") or {}).get("phase") != "Running"]  # fmt: skip
            if not stuck:
                break
            if clock() > deadline:
                raise Conflict(f"{workload}: pod(s) not Running: {', '.join(stuck[:5])}")
            time.sleep(POLL_S)
    return {"did": f"verified: {len(workloads)} workload(s) run all their replicas"}
