"""The scenario file: what the sandbox cluster holds at the start (YAML, validated by pydantic).

`load_scenario(path)` raises `ScenarioError` with a one-line message naming the file and field.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from opsgraph.core.files import InputFileError, loads_yaml, read_text

from .faults.spec import NODE_KINDS, Fault
from .quantity import is_quantity

_AGE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line for the user."""


def _age(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    match = _AGE.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration like 45s, 10m, 6h or 30d")
    return float(match.group(1)) * _UNITS[match.group(2)]


Age = Annotated[float, BeforeValidator(_age)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Simulation(_Model):
    time_scale: float = Field(1.0, gt=0, description="multiplies every simulated duration")
    pod_start_seconds: float = Field(3.0, ge=0)
    pod_stop_seconds: float = Field(2.0, ge=0)
    backoff_seconds: float = Field(10.0, gt=0, description="first crash/pull back-off")
    crashing_images: list[str] = Field(default_factory=list, description="glob patterns of images that crash-loop")
    missing_images: list[str] = Field(default_factory=list, description="glob patterns of images that cannot be pulled")
    known_registries: list[str] = Field(
        default_factory=lambda: ["docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "nvcr.io"]
    )


class Namespace(_Model):
    name: str
    labels: dict[str, str] = Field(default_factory=dict)


class Taint(_Model):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class Mig(_Model):
    config: str = "all-balanced"
    strategy: Literal["single", "mixed"] = "mixed"
    profiles: dict[str, int] = Field(description="MIG devices per GPU, e.g. {'1g.10gb': 2, '3g.40gb': 1}")

    @field_validator("profiles")
    @classmethod
    def _fit(cls, profiles: dict[str, int]) -> dict[str, int]:
        slices = 0
        for profile, count in profiles.items():
            match = re.match(r"^(\d)g\.(\d+)gb$", profile)
            if not match:
                raise ValueError(f"{profile!r} is not a MIG profile like 1g.10gb")
            slices += int(match.group(1)) * count
        if slices > 7:
            raise ValueError(f"the profiles use {slices} compute slices; one GPU has 7")
        return profiles


class Gpu(_Model):
    product: str
    count: int = Field(8, ge=1)
    memory_mib: int = Field(gt=0)
    family: str
    compute_capability: str = "8.0"
    machine: str = ""
    driver: str = "550.127.08"
    cuda: str = "12.4"
    mig: Mig | None = None


class Node(_Model):
    name: str
    pool: str
    cpu: str = "32"
    memory: str = "128Gi"
    pods: int = Field(110, gt=0)
    zone: str = "us-east-1a"
    instance_type: str = "m6i.8xlarge"
    internal_ip: str
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    gpu: Gpu | None = None
    age: Age = Field(90 * 86400.0, description="how long ago the node joined")

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not is_quantity(value):
            raise ValueError(f"{value!r} is not a Kubernetes quantity")
        return value


class Toleration(_Model):
    key: str | None = None
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None


class ReadinessProbe(_Model):
    """An HTTP GET readiness probe (what the `readiness` fault makes fail)."""

    path: str = "/ready"
    port: int | None = Field(None, description="default: the container's first port")
    period_seconds: int = Field(10, gt=0)


class Container(_Model):
    name: str
    image: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    ports: list[int] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    requests: dict[str, str | int] = Field(default_factory=dict)
    limits: dict[str, str | int] = Field(default_factory=dict)
    readiness_probe: ReadinessProbe | None = None

    @field_validator("requests", "limits")
    @classmethod
    def _quantities(cls, values: dict[str, str | int]) -> dict[str, str | int]:
        for key, value in values.items():
            if not is_quantity(value):
                raise ValueError(f"{key}: {value!r} is not a Kubernetes quantity")
        return values


class Revision(_Model):
    image: str = Field(min_length=1, description="image of the first container in that revision")
    change_cause: str | None = None
    age: Age = Field(description="how long ago this revision was rolled out")


class _Workload(_Model):
    name: str
    namespace: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    containers: list[Container] = Field(min_length=1)
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _dns_name(cls, value: str) -> str:
        if not _NAME.match(value) or len(value) > 63:
            raise ValueError(f"{value!r} is not a lowercase DNS-1123 name")
        return value


class Deployment(_Workload):
    replicas: int = Field(ge=0)
    change_cause: str | None = None
    history: list[Revision] = Field(default_factory=list, description="earlier revisions, oldest first")
    age: Age = Field(60 * 86400.0, description="how long ago the current revision was rolled out")
    strategy: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    max_surge: int | str = "25%"
    max_unavailable: int | str = "25%"
    revision_history_limit: int = Field(10, ge=0)
    progress_deadline_seconds: int = Field(600, gt=0)
    min_ready_seconds: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _distinct_history(self) -> Deployment:
        images = [r.image for r in self.history] + [self.containers[0].image]
        if len(set(images)) != len(images):
            raise ValueError("history images must differ from each other and from the current image")
        return self


class Owner(_Model):
    kind: str
    name: str
    api_version: str = "batch/v1"


class Pod(_Workload):
    node: str | None = Field(None, description="pin to this node (otherwise the scheduler places it)")
    owner: Owner | None = None
    age: Age = Field(3600.0, description="how long ago the pod started")


class ConfigMap(_Model):
    name: str
    namespace: str
    labels: dict[str, str] = Field(default_factory=dict)
    data: dict[str, str] = Field(default_factory=dict)


class DisruptionBudget(_Model):
    """A policy/v1 PodDisruptionBudget over pods with these labels."""

    name: str
    namespace: str
    match_labels: dict[str, str] = Field(min_length=1)
    min_available: int | str | None = None
    max_unavailable: int | str | None = None


class GpuMetric(_Model):
    """What dcgm-exporter reports for the GPUs of the pods whose name starts with `workload-`."""

    namespace: str
    workload: str
    util_pct: float = Field(ge=0, le=100, description="DCGM_FI_DEV_GPU_UTIL")
    fb_used_mib: float = Field(ge=0, description="DCGM_FI_DEV_FB_USED")


class Scenario(_Model):
    name: str = "unnamed"
    description: str = ""
    simulation: Simulation = Field(default_factory=lambda: Simulation.model_validate({}))
    namespaces: list[Namespace] = Field(default_factory=list)
    nodes: list[Node] = Field(min_length=1)
    deployments: list[Deployment] = Field(default_factory=list)
    pods: list[Pod] = Field(default_factory=list)
    configmaps: list[ConfigMap] = Field(default_factory=list)
    pdbs: list[DisruptionBudget] = Field(default_factory=list)
    gpu_metrics: list[GpuMetric] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list, description="faults in effect from the start")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        known = {n.name for n in self.namespaces} | set(SYSTEM_NAMESPACES)
        nodes = {n.name for n in self.nodes}
        if len(nodes) != len(self.nodes):
            raise ValueError("node names must be unique")
        for section in ("deployments", "pods", "configmaps", "pdbs"):
            seen: set[tuple[str, str]] = set()
            for i, item in enumerate(getattr(self, section)):
                if item.namespace not in known:
                    raise ValueError(
                        f"{section}[{i}] ({item.name}): namespace {item.namespace!r} is not declared under namespaces"
                    )
                if (item.namespace, item.name) in seen:
                    raise ValueError(f"{section}[{i}]: {item.namespace}/{item.name} is declared twice")
                seen.add((item.namespace, item.name))
        for i, pod in enumerate(self.pods):
            if pod.node is not None and pod.node not in nodes:
                raise ValueError(f"pods[{i}] ({pod.name}): node {pod.node!r} is not declared under nodes")
        deployments = {f"{d.namespace}/{d.name}" for d in self.deployments}
        for i, fault in enumerate(self.faults):
            known_targets, what = (nodes, "nodes") if fault.kind in NODE_KINDS else (deployments, "deployments")
            if fault.target not in known_targets:
                raise ValueError(f"faults[{i}] ({fault.kind}): {fault.target!r} is not declared under {what}")
        return self


def default_scenario_path() -> Path:
    return Path(str(resources.files("opsgraph.sandbox.scenarios").joinpath("default.yaml")))


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        raw = loads_yaml(read_text(path), path)
    except InputFileError as exc:
        raise ScenarioError(str(exc)) from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise ScenarioError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario is a YAML mapping with nodes, namespaces, deployments, ...")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {_explain(exc)}") from exc


def _explain(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:3]:
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    more = len(exc.errors()) - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def scenario_inventory(scenario: Scenario) -> tuple[list[str], list[dict[str, Any]]]:
    """The namespaces and (skeletal) deployments the sandbox would serve for `scenario`, without
    starting it: enough for a planner to resolve names."""
    namespaces = [
        *SYSTEM_NAMESPACES,
        *(n.name for n in scenario.namespaces if n.name not in SYSTEM_NAMESPACES),
    ]
    deployments = [
        {
            "metadata": {"namespace": d.namespace, "name": d.name, "labels": {"app": d.name, **d.labels}},
            "spec": {
                "replicas": d.replicas,
                "template": {"spec": {"containers": [{"name": c.name, "image": c.image} for c in d.containers]}},
            },
        }
        for d in scenario.deployments
    ]
    return namespaces, deployments
