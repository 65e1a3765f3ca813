"""The GPU section of the settings (`OPSGRAPH_GPU_*`): prices, thresholds, plan objectives."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Objective = Literal["free_nodes", "defragment", "right_size", "scale_to_zero"]
OBJECTIVES: tuple[Objective, ...] = ("free_nodes", "defragment", "right_size", "scale_to_zero")

# Approximate on-demand list prices per GPU-hour (cloud instance price / GPUs per instance, e.g.
# AWS p5.48xlarge 98.32/8 for H100, p4de.24xlarge 40.97/8 for A100-80GB). A default to replace
# with your own rates. Matched as a substring of `nvidia.com/gpu.product`; first match wins.
DEFAULT_PRICES: dict[str, float] = {
    "H200": 13.0,
    "H100": 12.29,
    "A100-SXM4-80GB": 5.12,
    "A100": 4.10,
    "L40S": 3.75,
    "A10G": 1.22,
    "L4": 0.98,
    "V100": 3.06,
    "T4": 0.53,
}


class GpuSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_GPU_", extra="ignore", frozen=True)

    prices: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES),
        description="USD per GPU-hour by product substring, e.g. '{\"H100\": 12.29}' (JSON in the env)",
    )
    default_price: float = Field(2.0, ge=0, description="USD per GPU-hour for a product not in `prices`")
    metrics_file: Path | None = Field(None, description="DCGM metrics file when there is no Prometheus")
    metrics_window: str = Field("1h", description="utilisation is averaged over this window (PromQL range)")
    dcgm_service: str = Field(
        "gpu-operator/nvidia-dcgm-exporter:9400",
        description="namespace/service:port of dcgm-exporter, scraped through the API server proxy",
    )
    objectives: list[Objective] = Field(default_factory=lambda: list(OBJECTIVES), description="plan order")
    large_job_gpus: int = Field(8, ge=1, description="the size of job `defragment` makes room for")
    low_util_pct: float = Field(30.0, ge=0, le=100, description="below this a whole-GPU pod may share a GPU")
    idle_util_pct: float = Field(1.0, ge=0, le=100, description="at or below this a workload is idle")
    memory_headroom: float = Field(1.25, ge=1.0, description="measured framebuffer x this must fit a share")
    share_replicas: int = Field(4, ge=2, le=16, description="time-slicing replicas per GPU for shared nodes")
    movable_owner_kinds: list[str] = Field(
        default_factory=lambda: ["ReplicaSet", "StatefulSet"],
        description="pods owned by these are recreated elsewhere when evicted; Jobs and bare pods are not moved",
    )
    scale_to_zero_annotation: str = Field(
        "opsgraph.io/scale-to-zero",
        description="pods with this annotation (or label) set to 'allowed' may be scaled to zero when idle",
    )
    time_limit_s: float = Field(5.0, gt=0, description="planning time limit")
    apply_timeout_s: float = Field(120.0, gt=0, description="how long apply waits for one step to settle")
    time_slicing_configmap: str = Field(
        "gpu-operator/time-slicing-config",
        description="namespace/name of the device plugin's time-slicing ConfigMap (the ClusterPolicy's "
        "devicePlugin.config.name); apply adds an entry per sharing level and selects it with the node label "
        "nvidia.com/device-plugin.config",
    )
    solver: Literal["cpsat", "heuristic"] = Field(
        "cpsat", description="cpsat: CP-SAT per node group, warm-started by the heuristic; heuristic: best fit only"
    )
    cpsat_time_limit_s: float = Field(
        2.0, gt=0, description="CP-SAT's budget for the whole plan (wall clock), shared by the node groups"
    )
    cpsat_max_pods: int = Field(
        400, ge=1, description="node groups with more movable pods than this keep the heuristic's packing"
    )

    @field_validator("objectives")
    @classmethod
    def _distinct(cls, value: list[Objective]) -> list[Objective]:
        if len(set(value)) != len(value):
            raise ValueError("objectives must not repeat")
        return value

    def price_per_gpu(self, product: str) -> float:
        for key, price in self.prices.items():
            if key.lower() in product.lower():
                return price
        return self.default_price
