"""The fast drift engine and data checks on frames the project generates (no MLflow)."""

from __future__ import annotations

import pytest

from opsgraph.tools.models.checks import run_checks
from opsgraph.tools.models.drift import dataset_drift
from opsgraph.tools.models.synthetic import Shift, apply_shift, fraud_frame, wide_frame


def test_shifted_columns_drift_and_a_fresh_sample_does_not() -> None:
    reference = wide_frame(3000, 1)
    fresh = wide_frame(3000, 2)
    same = dataset_drift(reference, fresh)
    assert same.drifted == [] and not same.dataset_drift
    shifted = dataset_drift(reference, apply_shift(fresh, Shift("mean", 10, 0.6), 0))
    assert set(shifted.drifted) == {f"num_{i}" for i in range(10)}
    assert shifted.dataset_drift and shifted.drift_share == pytest.approx(10 / 20)


def test_methods_follow_evidently_defaults_by_size_and_kind() -> None:
    small = dataset_drift(wide_frame(500, 1), wide_frame(500, 2))
    large = dataset_drift(wide_frame(3000, 1), wide_frame(3000, 2))
    assert small.columns["num_0"].method == "K-S p_value" and small.columns["cat_0"].method == "chi-square p_value"
    assert large.columns["num_0"].method == "Wasserstein distance (normed)"
    assert large.columns["cat_0"].method == "Jensen-Shannon distance"


def test_demo_batch_drifts_in_amount_and_merchant_only() -> None:
    result = dataset_drift(fraud_frame(8000, 11), fraud_frame(6000, 3, drifted=True).drop(columns=["is_fraud"]),
                           columns=[c for c in fraud_frame(1, 0).columns if c != "is_fraud"])  # fmt: skip
    assert result.drifted == ["amount", "merchant_category"]


def test_data_checks_report_nulls_ranges_and_new_categories() -> None:
    reference = fraud_frame(2000, 1)
    current = fraud_frame(2000, 2)
    current.loc[:299, "device_risk"] = None
    current.loc[:99, "amount"] = 1e9
    current.loc[:99, "country"] = "XX"
    failed = {(c.check, c.column) for c in run_checks(reference, current, list(reference.columns)) if not c.passed}
    assert failed == {("nulls", "device_risk"), ("range", "amount"), ("categories", "country")}
