"""What the NVIDIA GPU operator does on a node when its labels change, as a real cluster shows it.

MIG manager: the label `nvidia.com/mig.config` names a layout (`all-disabled`, or `all-<profile>`
such as `all-1g.10gb`: every GPU cut into as many instances of that profile as fit). When it
changes, the node shows `nvidia.com/mig.config.state=pending`; after `MIG_SECONDS` (simulated) the
GPUs are repartitioned, unless a pod on the node still holds a GPU: then the state is `failed`
(mig-parted cannot reconfigure busy GPUs) until the label changes again. On success the device
plugin advertises the instances (`nvidia.com/mig-<profile>` under the `mixed` strategy,
`nvidia.com/gpu` under `single`, where GPU feature discovery renames the product
`<product>-MIG-<profile>`), with GFD's `nvidia.com/mig-<profile>.*` labels, and the state is
`success`. A layout this module does not know (`all-balanced`) fails the same way a config the
mig-parted ConfigMap lacks does.

Device plugin time-slicing: the label `nvidia.com/device-plugin.config` picks an entry of the
ConfigMap `gpu-operator/time-slicing-config` (the name the operator's docs use; a ClusterPolicy
would point at it). The entry's `sharing.timeSlicing.resources[nvidia.com/gpu].replicas` makes
the plugin advertise each GPU that many times after it restarts (`PLUGIN_SECONDS`), and GFD
labels `nvidia.com/gpu.replicas`, `nvidia.com/gpu.sharing-strategy=time-slicing` and the product
`<product>-SHARED`. A missing ConfigMap or entry leaves the node as it was, with a warning event.

The layout a node's GPUs are in is remembered per node from the labels seen at start (nodes that
come up `success` are taken as configured as labelled), so a scenario's own MIG layouts are left
alone.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .config import SimConfig
from .events import EventRecorder
from .meta import Obj, clone
from .scheduler import TERMINAL_PHASES, pod_requests
from .store import Store

MIG_SECONDS = 30.0
PLUGIN_SECONDS = 5.0
CONFIG = "nvidia.com/mig.config"
STATE = "nvidia.com/mig.config.state"
PLUGIN_CONFIG = "nvidia.com/device-plugin.config"
TIME_SLICING_CONFIGMAP = ("gpu-operator", "time-slicing-config")
GPU = "nvidia.com/gpu"
MIG = "nvidia.com/mig-"
_PROFILE = re.compile(r"^all-(\d)g\.(\d+)gb$")
_SUFFIX = re.compile(r"-(MIG-\dg\.\d+gb|SHARED)$")


def instances_per_gpu(profile_slices: int, profile_gb: int, gpu_memory_mib: int) -> int:
    """How many `<slices>g.<gb>gb` instances one GPU holds: 7 compute slices and 8 memory slices."""
    memory_slice_gb = gpu_memory_mib / 1024 / 8
    memory_slices = max(1, round(profile_gb / memory_slice_gb)) if memory_slice_gb else 8
    return min(7 // profile_slices, 8 // memory_slices)


class GpuOperator:
    def __init__(self, store: Store, events: EventRecorder, config: SimConfig) -> None:
        self.store = store
        self.events = events
        self.config = config
        self._mig: dict[str, str] = {}  # node -> the MIG config its GPUs are in
        self._plugin: dict[str, int] = {}  # node -> time-slicing replicas the plugin advertises
        self._failed: dict[str, str] = {}  # node -> the MIG config that failed to apply

    def tick(self, now: float) -> None:
        for node in self.store.items("nodes"):
            labels = node["metadata"].get("labels") or {}
            if labels.get("nvidia.com/gpu.present") != "true":
                continue
            self._mig_manager(node, labels, now)
            current = self.store.get("nodes", "", node["metadata"]["name"])
            if current is not None:
                self._device_plugin(current, now)

    # -- MIG manager -----------------------------------------------------------------------------
    def _mig_manager(self, node: Obj, labels: dict[str, str], now: float) -> None:
        name, wanted = node["metadata"]["name"], labels.get(CONFIG, "all-disabled")
        if name not in self._mig:
            if labels.get(STATE, "success") == "success":
                self._mig[name] = wanted
                return
            self._mig[name] = ""  # came up pending or failed: its layout is not what the label says
        if wanted == self._mig[name]:
            return
        if self._failed.get(name) == wanted:
            return  # failed for this config: waits for the label to change
        timer = f"{node['metadata']['uid']}:mig-manager:{wanted}"
        if timer not in self.store.timers:
            self.store.timers[timer] = now + self.config.scaled(MIG_SECONDS)
            label_node(self.store, node, {STATE: "pending"})
            self._event(node, "MigConfigPending", f"MIG configuration {wanted} requested", now)
            return
        if now < self.store.timers[timer]:
            return
        del self.store.timers[timer]
        busy = self._busy(name)
        layout = self._layout(labels, wanted)
        if busy or layout is None:
            why = f"GPUs in use by {', '.join(busy[:3])}" if busy else f"unknown MIG configuration {wanted}"
            self._failed[name] = wanted
            label_node(self.store, node, {STATE: "failed"})
            self._event(node, "MigConfigFailed", f"failed to apply MIG configuration {wanted}: {why}", now, warn=True)
            return
        self._apply_layout(node, *layout)
        self._mig[name] = wanted
        self._failed.pop(name, None)
        self._event(node, "MigConfigApplied", f"MIG configuration {wanted} applied", now)

    def _event(self, node: Obj, reason: str, message: str, now: float, *, warn: bool = False,
               component: str = "nvidia-mig-manager") -> None:  # fmt: skip
        kind = "Warning" if warn else "Normal"
        self.events.record(node, reason, message, type_=kind, component=component, now=now)

    def _busy(self, node: str) -> list[str]:
        return [
            pod["metadata"]["name"]
            for pod in self.store.sorted_items("pods")
            if (pod.get("spec") or {}).get("nodeName") == node
            and (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES
            and any(r == GPU or r.startswith(MIG) for r in pod_requests(pod.get("spec") or {}))
        ]

    @staticmethod
    def _layout(labels: dict[str, str], config: str) -> tuple[dict[str, int], dict[str, str | None]] | None:
        """(GPU resources to advertise, labels to set or drop) for `config`; None when unknown."""
        count = int(labels.get("nvidia.com/gpu.count", "0") or 0)
        memory = int(labels.get("nvidia.com/gpu.memory", "0") or 0)
        product = _SUFFIX.sub("", labels.get("nvidia.com/gpu.product", ""))
        drop: dict[str, str | None] = {k: None for k in labels if k.startswith(MIG) and "." in k[len(MIG) :]}
        if config == "all-disabled":
            return {GPU: count}, {**drop, "nvidia.com/gpu.product": product, STATE: "success"}
        match = _PROFILE.match(config)
        if match is None or not count or not memory or labels.get("nvidia.com/mig.capable") == "false":
            return None
        slices, gb = int(match.group(1)), int(match.group(2))
        per_gpu = instances_per_gpu(slices, gb, memory)
        if per_gpu < 1 or gb > memory / 1024 + 1:
            return None
        profile = config.removeprefix("all-")
        prefix = f"{MIG}{profile}"
        mig_labels: dict[str, str | None] = {
            **drop,
            f"{prefix}.count": str(per_gpu * count),
            f"{prefix}.memory": str(int(gb * 1024 * 0.97)),
            f"{prefix}.slices.gi": str(slices),
            f"{prefix}.slices.ci": str(slices),
            f"{prefix}.product": f"{product}-MIG-{profile}",
            STATE: "success",
        }
        if labels.get("nvidia.com/mig.strategy") == "single":
            mig_labels["nvidia.com/gpu.product"] = f"{product}-MIG-{profile}"
            return {GPU: per_gpu * count}, mig_labels
        return {GPU: 0, prefix: per_gpu * count}, {**mig_labels, "nvidia.com/gpu.product": product}

    def _apply_layout(self, node: Obj, resources: dict[str, int], labels: dict[str, str | None]) -> None:
        new = clone(node)
        status = new.setdefault("status", {})
        for field in ("capacity", "allocatable"):
            amounts = {k: v for k, v in (status.get(field) or {}).items() if not k.startswith(MIG)}
            amounts.update({k: str(v) for k, v in resources.items()})
            status[field] = amounts
        _set_labels(new, labels)
        self.store.update("nodes", new)

    # -- device plugin (time-slicing) --------------------------------------------------------------
    def _device_plugin(self, node: Obj, now: float) -> None:
        labels = node["metadata"].get("labels") or {}
        name = node["metadata"]["name"]
        if name not in self._plugin:
            self._plugin[name] = int(labels.get("nvidia.com/gpu.replicas", "1") or 1)
        key = labels.get(PLUGIN_CONFIG)
        replicas = self._replicas(key) if key else 1
        if replicas is None:
            timer = f"{node['metadata']['uid']}:device-plugin-config:{key}"
            if timer not in self.store.timers:
                self.store.timers[timer] = now
                namespace, configmap = TIME_SLICING_CONFIGMAP
                self.events.record(node, "DevicePluginConfigInvalid",
                                   f"no time-slicing config {key!r} in ConfigMap {namespace}/{configmap}",
                                   type_="Warning", component="nvidia-device-plugin", now=now)  # fmt: skip
            return
        if replicas == self._plugin[name] or _mig_enabled(labels):
            return
        timer = f"{node['metadata']['uid']}:device-plugin:{replicas}"
        due = self.store.timers.get(timer)
        if due is None:
            self.store.timers[timer] = now + self.config.scaled(PLUGIN_SECONDS)
            return
        if now < due:
            return
        del self.store.timers[timer]
        count = int(labels.get("nvidia.com/gpu.count", "0") or 0)
        product = _SUFFIX.sub("", labels.get("nvidia.com/gpu.product", ""))
        shared = replicas > 1
        self._apply_layout(
            node,
            {GPU: count * replicas},
            {
                "nvidia.com/gpu.replicas": str(replicas),
                "nvidia.com/gpu.sharing-strategy": "time-slicing" if shared else "none",
                "nvidia.com/gpu.product": f"{product}-SHARED" if shared else product,
            },
        )
        self._plugin[name] = replicas
        message = f"advertising {count * replicas} nvidia.com/gpu ({replicas} time-sliced replica(s) per GPU)"
        self._event(node, "DevicePluginRestarted", message, now, component="nvidia-device-plugin")

    def _replicas(self, key: str) -> int | None:
        namespace, name = TIME_SLICING_CONFIGMAP
        configmap = self.store.get("configmaps", namespace, name)
        raw = ((configmap or {}).get("data") or {}).get(key)
        if raw is None:
            return None
        try:
            doc: Any = yaml.safe_load(raw)
            resources = doc["sharing"]["timeSlicing"]["resources"]
            found = next(r for r in resources if r.get("name") == GPU)
            replicas = int(found["replicas"])
        except (yaml.YAMLError, KeyError, TypeError, StopIteration, ValueError):
            return None
        return replicas if replicas >= 1 else None


def _mig_enabled(labels: dict[str, str]) -> bool:
    return labels.get(CONFIG, "all-disabled") != "all-disabled"


def _set_labels(node: Obj, changes: dict[str, str | None]) -> None:
    labels = node["metadata"].setdefault("labels", {})
    for key, value in changes.items():
        if value is None:
            labels.pop(key, None)
        else:
            labels[key] = value
    node["metadata"]["labels"] = labels


def label_node(store: Store, node: Obj, changes: dict[str, str | None]) -> None:
    new = clone(node)
    _set_labels(new, changes)
    store.update("nodes", new)
