"""What the planner reasons about: GPU nodes, the pods that request GPUs, disruption budgets and
measured utilisation. Frozen values, built from a snapshot (kubectl JSON) or the live API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

GPU = "nvidia.com/gpu"
MIG_PREFIX = "nvidia.com/mig-"
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_SUFFIX = {
    "": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60,
}  # fmt: skip
SYSTEM_PRIORITY = 1_000_000_000  # system-cluster-critical and above are never moved


def quantity(value: object) -> float:
    """A Kubernetes quantity ("500m", "16Gi", 2) as a number; ValueError when it is not one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a quantity")
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a quantity")
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def is_gpu_resource(name: str) -> bool:
    return name == GPU or name.startswith(MIG_PREFIX)


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True)
class Toleration:
    key: str | None
    operator: str  # Equal | Exists
    value: str | None
    effect: str | None

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.operator == "Exists":
            return not self.key or self.key == taint.key
        return self.key == taint.key and (self.value or "") == taint.value


@dataclass(frozen=True)
class Requirement:
    """One matchExpression of a required node affinity term."""

    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist | Gt | Lt
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "In":
            return value in self.values
        if self.operator == "NotIn":
            return value not in self.values
        if self.operator == "Exists":
            return self.key in labels
        if self.operator == "DoesNotExist":
            return self.key not in labels
        if self.operator in ("Gt", "Lt") and value is not None and self.values:
            try:
                left, right = int(value), int(self.values[0])
            except ValueError:
                return False
            return left > right if self.operator == "Gt" else left < right
        return False


@dataclass(frozen=True)
class GpuNode:
    name: str
    labels: Mapping[str, str]
    allocatable: Mapping[str, float]  # cpu (cores), memory (bytes), pods, nvidia.com/gpu, nvidia.com/mig-*
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    ready: bool = True

    @property
    def gpus(self) -> float:
        """Whole GPUs the device plugin advertises (time-slicing multiplies this by its replicas)."""
        return self.allocatable.get(GPU, 0.0)

    @property
    def physical_gpus(self) -> int:
        count = self.labels.get("nvidia.com/gpu.count")
        if count and count.isdigit():
            return int(count)
        return int(self.gpus // max(self.replicas, 1))

    @property
    def product(self) -> str:
        return self.labels.get("nvidia.com/gpu.product", "unknown")

    @property
    def memory_mib(self) -> int:
        raw = self.labels.get("nvidia.com/gpu.memory", "0")
        return int(raw) if raw.isdigit() else 0

    @property
    def pool(self) -> str:
        for key in ("node-pool", "cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup", "agentpool"):
            if key in self.labels:
                return self.labels[key]
        return self.product

    @property
    def mig_config(self) -> str:
        return self.labels.get("nvidia.com/mig.config", "")

    @property
    def mig_resources(self) -> dict[str, float]:
        return {k: v for k, v in self.allocatable.items() if k.startswith(MIG_PREFIX)}

    @property
    def sharing(self) -> str:
        return self.labels.get("nvidia.com/gpu.sharing-strategy", "none")

    @property
    def replicas(self) -> int:
        raw = self.labels.get("nvidia.com/gpu.replicas", "1")
        return int(raw) if raw.isdigit() and int(raw) > 0 else 1

    @property
    def has_gpus(self) -> bool:
        return self.gpus > 0 or bool(self.mig_resources) or self.labels.get("nvidia.com/gpu.present") == "true"


@dataclass(frozen=True)
class GpuPod:
    namespace: str
    name: str
    node: str | None
    requests: Mapping[str, float]
    priority: int = 0
    owner_kind: str = ""  # ReplicaSet, StatefulSet, Job, DaemonSet, "" for a bare pod
    owner_name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    node_selector: Mapping[str, str] = field(default_factory=dict)
    affinity: tuple[tuple[Requirement, ...], ...] = ()  # OR of ANDed terms; () means no constraint
    tolerations: tuple[Toleration, ...] = ()
    phase: str = "Running"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def gpus(self) -> float:
        return self.requests.get(GPU, 0.0)

    @property
    def gpu_resources(self) -> dict[str, float]:
        return {k: v for k, v in self.requests.items() if is_gpu_resource(k) and v > 0}

    @property
    def workload(self) -> str:
        """The controller a person would name: the Deployment behind a ReplicaSet, else the owner."""
        if self.owner_kind == "ReplicaSet":
            template_hash = self.labels.get("pod-template-hash")
            if template_hash and self.owner_name.endswith(f"-{template_hash}"):
                return f"Deployment/{self.owner_name[: -len(template_hash) - 1]}"
        return f"{self.owner_kind}/{self.owner_name}" if self.owner_kind else f"Pod/{self.name}"


@dataclass(frozen=True)
class Pdb:
    namespace: str
    name: str
    selector: Mapping[str, str]  # matchLabels (matchExpressions are folded into `expressions`)
    expressions: tuple[Requirement, ...] = ()
    min_available: str | None = None  # int or percentage, as written
    max_unavailable: str | None = None
    disruptions_allowed: int | None = None  # status.disruptionsAllowed when the API reported it

    def covers(self, pod: GpuPod) -> bool:
        if pod.namespace != self.namespace:
            return False
        if not self.selector and not self.expressions:
            return False  # an empty selector matches nothing in policy/v1 for our purposes
        return all(pod.labels.get(k) == v for k, v in self.selector.items()) and all(
            e.matches(pod.labels) for e in self.expressions
        )


@dataclass(frozen=True)
class Usage:
    """Measured use of a pod's GPUs: mean SM utilisation in percent and peak framebuffer in MiB."""

    util_pct: float
    fb_used_mib: float
    gpus_seen: int = 1


@dataclass(frozen=True)
class Snapshot:
    nodes: tuple[GpuNode, ...]
    pods: tuple[GpuPod, ...]  # pods that request a GPU resource and are not finished
    pdbs: tuple[Pdb, ...] = ()
    other_pods: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # node -> non-GPU requests

    @property
    def gpu_nodes(self) -> tuple[GpuNode, ...]:
        return tuple(n for n in self.nodes if n.has_gpus)
