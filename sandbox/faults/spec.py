"""What a fault is (`Fault(kind, target, params)`) and the typed parameters of each kind.

The same model is a scenario file's `faults:` entry, the body of `POST /sandbox/faults` and the
argument of `SandboxServer.inject`. `Fault.options()` validates `params` against the kind's model
and raises `FaultError` with one line that says what to fix.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..quantity import is_quantity

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class FaultError(ValueError):
    """A fault that cannot be injected or cleared as asked; the message is one line for the user."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Release(_Params):
    """Common to faults that can arrive with a release: a new revision of the deployment."""

    image: str = Field("", description="image of the release, a full reference or a tag (default: next patch tag)")
    change_cause: str = Field("", description="kubernetes.io/change-cause of the release (default: 'release TAG')")
    container: str = Field("", description="container (default: the first)")


class CrashloopParams(_Release):
    reason: Literal["connection-refused", "missing-env", "panic", "bad-config"] = "connection-refused"
    env: str = Field("", description="for missing-env: the variable the app needs (default: <APP>_DATABASE_URL)")
    dependency: str = Field("", description="for connection-refused: host:port (default: postgres.NS.svc:5432)")
    exit_code: int = Field(1, ge=1, le=255)
    rollout: bool = Field(False, description="arrive with a new release (only its pods crash); else in place")


class ImagePullParams(_Release):
    error: Literal["not-found", "unauthorized", "no-such-host"] = "not-found"


class OomParams(_Release):
    limit: str = Field("", description="memory limit of the release (rolled out); default: keep the current limit")
    usage: str = Field("", description="the working set PodMetrics shows (default: 99% of the limit)")
    rollout: bool = False

    @field_validator("limit", "usage")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if value and not is_quantity(value):
            raise ValueError(f"{value!r} is not a Kubernetes quantity like 256Mi")
        return value


class ReadinessParams(_Release):
    status_code: int = Field(503, ge=100, le=599)
    reason: str = Field("", description="what the app logs when it reports not ready")
    rollout: bool = False


class MissingConfigMapKeyParams(_Release):
    key: str = Field("", description="the key the release reads (default: FEATURE_FLAGS)")
    configmap: str = Field("", description="the ConfigMap (default: NAME-config, or the one labelled app=NAME)")
    env: str = Field("", description="the environment variable fed from it (default: the key)")


class PendingParams(_Release):
    resource: Literal["cpu", "memory", "nvidia.com/gpu"] = "cpu"
    amount: str = Field("", description="the request of the release (default: more than any node has free)")
    taint: str = Field(
        "", description="key=value[:effect]: taint the nodes the pods can use, instead of raising a request"
    )
    replicas: int | None = Field(None, ge=1, description="with resource: also scale to this many replicas")

    @field_validator("amount")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if value and not is_quantity(value):
            raise ValueError(f"{value!r} is not a Kubernetes quantity")
        return value

    @field_validator("taint")
    @classmethod
    def _taint(cls, value: str) -> str:
        if value and not re.match(
            r"^[A-Za-z0-9./-]+(=[A-Za-z0-9._-]*)?(:(NoSchedule|PreferNoSchedule|NoExecute))?$", value
        ):
            raise ValueError(f"{value!r} is not a taint like dedicated=gpu or dedicated=gpu:NoSchedule")
        return value


class NodeNotReadyParams(_Params):
    reason: Literal["unreachable", "kubelet"] = Field(
        "unreachable",
        description="unreachable: Ready=Unknown (NodeStatusUnknown); kubelet: Ready=False (KubeletNotReady)",
    )


class StuckRolloutParams(_Release):
    cause: Literal["readiness", "crashloop"] = "readiness"
    progress_deadline_seconds: int | None = Field(None, gt=0, description="set with the release (default: keep)")


class HpaMaxParams(_Params):
    max: int | None = Field(None, ge=1, description="maxReplicas (default: the current replicas)")
    min: int | None = Field(None, ge=1, description="minReplicas (default: half of max, at least 1)")
    cpu_utilization: int = Field(95, ge=1, le=1000, description="current average CPU, % of requests")
    target_utilization: int = Field(70, ge=1, le=100, description="the HPA's CPU target, % of requests")

    @model_validator(mode="after")
    def _order(self) -> HpaMaxParams:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.cpu_utilization <= self.target_utilization:
            raise ValueError("cpu_utilization must be above target_utilization for the HPA to want more replicas")
        return self


PARAMS: dict[str, type[_Params]] = {
    "crashloop": CrashloopParams,
    "image-pull": ImagePullParams,
    "oom": OomParams,
    "readiness": ReadinessParams,
    "missing-configmap-key": MissingConfigMapKeyParams,
    "pending": PendingParams,
    "node-notready": NodeNotReadyParams,
    "stuck-rollout": StuckRolloutParams,
    "hpa-max": HpaMaxParams,
}
KINDS: tuple[str, ...] = tuple(PARAMS)
NODE_KINDS = frozenset({"node-notready"})


class Fault(BaseModel):
    """`kind` (one of KINDS), `target` (NAMESPACE/DEPLOYMENT, or a node name for node-notready),
    `params` (the kind's options; see sandbox/README.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    target: str
    params: dict[str, Any] = Field(default_factory=dict)

    def __init__(self, kind: str, target: str, params: dict[str, Any] | None = None) -> None:
        """`Fault("oom", "prod/payments", {"limit": "256Mi"})`, or the same by keyword."""
        super().__init__(kind=kind, target=target, params=params or {})

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in PARAMS:
            raise ValueError(f"unknown fault kind {value!r}; one of: {', '.join(KINDS)}")
        return value

    @model_validator(mode="after")
    def _target_and_params(self) -> Fault:
        if self.kind in NODE_KINDS:
            if "/" in self.target or not _NAME.match(self.target):
                raise ValueError(f"target of {self.kind} is a node name, not {self.target!r}")
        else:
            namespace, _, name = self.target.partition("/")
            if not (_NAME.match(namespace) and _NAME.match(name)):
                raise ValueError(f"target of {self.kind} is NAMESPACE/DEPLOYMENT, not {self.target!r}")
        self.options()
        return self

    @property
    def namespace(self) -> str:
        return self.target.partition("/")[0] if self.kind not in NODE_KINDS else ""

    @property
    def name(self) -> str:
        return self.target.partition("/")[2] if self.kind not in NODE_KINDS else self.target

    def options(self) -> Any:
        """The kind's typed parameters (FaultError naming the bad one)."""
        try:
            return PARAMS[self.kind].model_validate(self.params)
        except ValidationError as exc:
            raise FaultError(f"{self.kind}: {explain(exc)}") from exc


def explain(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown parameter"
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def parse(kind: str, target: str, params: dict[str, Any] | None = None) -> Fault:
    """A Fault from user input; FaultError (one line) when it is not valid."""
    try:
        return Fault(kind=kind, target=target, params=params or {})
    except ValidationError as exc:
        raise FaultError(explain(exc)) from exc
