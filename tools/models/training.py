"""Train a scikit-learn classifier from a frame and named parameters: used by the demo seeding and
by the default retraining command (`python -m opsgraph.tools.models.train`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ESTIMATORS = ("logistic_regression",)


def build_pipeline(frame: pd.DataFrame, features: list[str], params: dict[str, Any]) -> Any:
    """Scaled numbers and one-hot categories into a logistic regression; `quadratic` adds the
    squares and pairwise products of those inputs. Only types MLflow's skops format trusts (no
    trees, no discretizers), so a registry never has to load objects it cannot vet."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler

    estimator = str(params.get("estimator", "logistic_regression"))
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; known: {', '.join(ESTIMATORS)}")
    categorical = [f for f in features if frame[f].dtype.kind in "OSUb"]
    numeric = [f for f in features if f not in categorical]
    prep = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    steps: list[tuple[str, Any]] = [("prep", prep)]
    if str(params.get("quadratic", "false")).lower() in ("1", "true", "yes"):
        steps.append(("quadratic", PolynomialFeatures(degree=2, include_bias=False)))
        steps.append(("rescale", StandardScaler()))
    steps.append(("model", LogisticRegression(C=float(params.get("C", 1.0)), max_iter=2000)))
    return Pipeline(steps)


def train(frame: pd.DataFrame, target: str, features: list[str], params: dict[str, Any]) -> Any:
    pipeline = build_pipeline(frame, features, params)
    pipeline.fit(frame[features], frame[target])
    return pipeline


def accuracy(model: Any, frame: pd.DataFrame, target: str, features: list[str]) -> float:
    predicted = model.predict(frame[features])
    return float((predicted == frame[target].to_numpy()).mean())
