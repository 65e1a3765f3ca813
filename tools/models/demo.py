"""Seed the registry with example models trained on the project's own synthetic data:

- `fraud-detector`: v1 logistic regression (champion), v2 logistic regression on the squares and
  pairwise products of its inputs (challenger, better
  with significance on the shared held-out set); a production batch that drifted in `amount` and
  `merchant_category` is its configured current data, and a labelled copy its retraining data.
- `churn-model`: one version (champion).
Seeding is idempotent: a model that exists is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsgraph.tools.models.store import ModelStore
from opsgraph.tools.models.training import accuracy, train
from opsgraph.tools.models.versions import TRAINING_DATA_TAG, frame_sha256, training_key

FRAUD = "fraud-detector"
CHURN = "churn-model"
DEMO_MODELS = (FRAUD, CHURN)


def seed_demo(store: ModelStore, data_dir: Path) -> list[str]:
    """Register the demo models that are missing; returns what was created."""
    from opsgraph.tools.models.synthetic import churn_frame, fraud_frame

    existing = set(store.names())
    created: list[str] = []
    data_dir.mkdir(parents=True, exist_ok=True)
    if FRAUD not in existing:
        features = [c for c in fraud_frame(1, 0).columns if c != "is_fraud"]
        evaluation = fraud_frame(5000, seed=2)
        for version_seed, params in (
            (11, {"estimator": "logistic_regression", "C": 1.0}),
            (12, {"estimator": "logistic_regression", "C": 0.5, "quadratic": True}),
        ):
            reference = fraud_frame(8000, seed=version_seed)
            _register(store, FRAUD, reference, evaluation, "is_fraud", features, params)
        store.set_alias(FRAUD, "champion", 1, actor="opsgraph-demo", kind="seed")
        store.set_alias(FRAUD, "challenger", 2, actor="opsgraph-demo", kind="seed")
        labelled = fraud_frame(6000, seed=3, drifted=True)
        current = data_dir / f"{FRAUD}-current.csv"
        labelled.drop(columns=["is_fraud"]).to_csv(current, index=False)
        training = data_dir / f"{FRAUD}-labelled.csv"
        labelled.to_csv(training, index=False)
        store.set_current_data(FRAUD, str(current))
        store.set_model_tag(FRAUD, TRAINING_DATA_TAG, str(training))
        created.append(FRAUD)
    if CHURN not in existing:
        reference, evaluation = churn_frame(5000, seed=21), churn_frame(2000, seed=22)
        features = [c for c in reference.columns if c != "churned"]
        _register(store, CHURN, reference, evaluation, "churned", features, {"estimator": "logistic_regression"})
        store.set_alias(CHURN, "champion", 1, actor="opsgraph-demo", kind="seed")
        created.append(CHURN)
    return created


def _register(
    store: ModelStore,
    model: str,
    reference: Any,
    evaluation: Any,
    target: str,
    features: list[str],
    params: dict[str, Any],
) -> int:
    fitted = train(reference, target, features, params)
    metrics = {"accuracy": accuracy(fitted, evaluation, target, features)}
    key = training_key(model, params, features, target, frame_sha256(reference))
    return store.register_version(
        model, fitted, reference=reference, evaluation=evaluation, target=target, features=features,
        params=params, metrics=metrics, training_key=key,
    )  # fmt: skip
