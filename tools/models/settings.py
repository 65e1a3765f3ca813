"""Settings of the models capability (`OPSGRAPH_MODELS_*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from opsgraph.tools.models.drift import DEFAULT_FDR


class ModelsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_MODELS_", extra="ignore", frozen=True)

    tracking_uri: str | None = Field(
        None, description="MLflow tracking/registry URI (default: sqlite:///<state_dir>/mlflow/mlflow.db)"
    )
    # Validated promotion (the seed's validation stage): improvement > min_improvement and p < max_p_value.
    min_improvement: float = Field(0.01, ge=0, description="accuracy the challenger must gain over the champion")
    max_p_value: float = Field(0.05, gt=0, lt=1, description="significance level of the paired test")
    # Drift: per-column thresholds follow Evidently's defaults. The dataset verdict: `corrected`
    # (any column significant after a Benjamini-Hochberg correction at `dataset_fdr`, or drifted by
    # Evidently's verdict), or `share` (Evidently's: at least `dataset_drift_share` of the columns).
    dataset_rule: Literal["corrected", "share"] = Field("corrected", description="how columns make dataset drift")
    dataset_fdr: float = Field(
        DEFAULT_FDR,
        gt=0,
        lt=1,
        description="false discovery rate of the corrected rule (chosen on the eval's tuning seeds)",
    )
    dataset_drift_share: float = Field(0.5, gt=0, le=1, description="share rule: drifted share that is dataset drift")
    drift_engine: Literal["fast", "evidently"] = Field(
        "fast", description="fast: our numpy implementation of Evidently's default tests; evidently: Evidently itself"
    )
    max_null_increase: float = Field(0.05, ge=0, le=1, description="data check: allowed rise in a column's null share")
    max_out_of_range: float = Field(0.01, ge=0, le=1, description="data check: allowed share outside reference range")
    max_unseen_categories: float = Field(0.01, ge=0, le=1, description="data check: allowed share of new categories")
    # Watching production data (`opsgraph drift watch`).
    watch_models: list[str] = Field(
        default_factory=list, description="models to watch (JSON list; default: every model with current data)"
    )
    watch_interval_s: float = Field(3600.0, gt=0, description="seconds between two passes of `drift watch`")
    watch_webhook_url: str | None = Field(
        None, description="send drift alerts to this Alertmanager-style webhook (default: the local alert store)"
    )
    # Retraining.
    retrain_mode: Literal["command", "job"] = Field("command", description="command: run locally; job: Kubernetes Job")
    retrain_command: str | None = Field(
        None,
        description="training command template; placeholders {model} {version} {data} {params_file} {tracking_uri}"
        " (default: opsgraph's own trainer)",
    )
    retrain_timeout_s: float = Field(1800.0, gt=0, description="how long a training command may run")
    job_namespace: str = Field("ml", description="namespace of retraining Jobs")
    job_image: str = Field("registry.example.com/ml/trainer:2.3.0", description="image of retraining Jobs")


def default_tracking_uri(state_dir: Path) -> str:
    return f"sqlite:///{(state_dir / 'mlflow' / 'mlflow.db').resolve()}"
