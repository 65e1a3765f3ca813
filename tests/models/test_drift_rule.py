"""The dataset rule with a multiple-testing correction, and the fast engine's agreement with
Evidently (frames the project generates)."""

from __future__ import annotations

import pytest

from opsgraph.tools.models.drift import benjamini_hochberg, dataset_drift
from opsgraph.tools.models.synthetic import Shift, apply_shift, wide_frame


def test_benjamini_hochberg_rejects_the_step_up_set() -> None:
    # m = 5, q = 0.05: thresholds 0.01 0.02 0.03 0.04 0.05; the largest p_(k) <= q k / m is k = 3.
    p = [0.045, 0.001, 0.5, 0.025, 0.012]
    assert benjamini_hochberg(p, 0.05) == [False, True, False, True, True]
    assert benjamini_hochberg([0.2, 0.3], 0.05) == [False, False]
    assert benjamini_hochberg([], 0.05) == []


def test_a_small_shift_in_one_column_is_dataset_drift_only_under_the_corrected_rule() -> None:
    reference = wide_frame(20_000, 1)
    current = apply_shift(wide_frame(20_000, 2), Shift("mean", 1, 0.08), 0)
    corrected = dataset_drift(reference, current)
    share = dataset_drift(reference, current, rule="share")
    column = corrected.columns["num_0"]
    assert not column.drift and column.score < 0.1  # under Evidently's Wasserstein threshold
    assert column.significant and column.p_value < 1e-6
    assert corrected.dataset_drift and corrected.drifted == ["num_0"]
    assert not share.dataset_drift and share.drifted == []
    assert corrected.to_json()["dataset_rule"] == {"name": "corrected", "fdr": corrected.fdr}


def test_fresh_samples_are_not_dataset_drift_at_any_size() -> None:
    for rows in (400, 5_000, 200_000):
        result = dataset_drift(wide_frame(rows, 3), wide_frame(rows, 4))
        assert not result.dataset_drift, (rows, {c: d.p_value for c, d in result.columns.items()})
        assert result.drifted == []


def test_uncorrected_small_sample_p_values_do_not_make_dataset_drift() -> None:
    # 400 rows: Evidently's per-column K-S at 0.05 flags num_2 and num_3 of two fresh samples
    # (20 uncorrected tests); after the correction nothing is significant.
    result = dataset_drift(wide_frame(400, 3), wide_frame(400, 4))
    assert {"num_2", "num_3"} <= {c for c, d in result.columns.items() if d.drift}
    assert not result.dataset_drift and not any(d.significant for d in result.columns.values())
    assert dataset_drift(wide_frame(400, 3), wide_frame(400, 4), rule="share", threshold_share=0.1).dataset_drift


def test_a_category_shift_is_found_by_the_homogeneity_test() -> None:
    reference = wide_frame(4000, 5)
    current = apply_shift(wide_frame(4000, 6), Shift("category", 1, 0.1), 0)
    result = dataset_drift(reference, current)
    assert result.columns["cat_0"].test == "chi-square homogeneity" and result.columns["cat_0"].significant
    assert result.dataset_drift


@pytest.mark.slow
@pytest.mark.parametrize("rows", [600, 5000])
def test_scores_and_verdicts_equal_evidentlys(rows: int) -> None:
    from opsgraph.tools.models.drift_evidently import run_evidently

    reference = wide_frame(rows, 1)
    current = apply_shift(apply_shift(wide_frame(rows, 2), Shift("mean", 5, 0.3), 0), Shift("category", 1, 0.3), 0)
    ours, theirs = dataset_drift(reference, current), run_evidently(reference, current)
    assert set(ours.columns) == set(theirs.columns)
    for name, col in theirs.columns.items():
        assert ours.columns[name].method == col.method
        assert ours.columns[name].score == pytest.approx(col.score, rel=1e-9, abs=1e-12), name
        assert ours.columns[name].drift == col.drift
    assert ours.share_rule_drift == theirs.dataset_drift


@pytest.mark.slow
def test_the_shipped_fdr_is_the_one_the_tuning_seeds_choose() -> None:
    from opsgraph.evals.drift import TUNING_SEEDS, _cases, tune_fdr
    from opsgraph.tools.models.drift import DEFAULT_FDR

    assert tune_fdr(_cases(TUNING_SEEDS)) == DEFAULT_FDR
