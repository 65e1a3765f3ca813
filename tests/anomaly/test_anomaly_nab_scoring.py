"""The NAB scorer on hand-made cases whose answers follow from the method's definition."""

from __future__ import annotations

import numpy as np
import pytest

from opsgraph.evals.nab.scoring import (
    PROFILES,
    STANDARD,
    LabelledFile,
    normalise,
    null_score,
    perfect_score,
    scaled_sigmoid,
    score_detections,
)
from opsgraph.evals.nab.sweep import optimise_threshold, score_at
from opsgraph.tools.anomaly.periods import onset_floor

# 1000 rows, probation 100, two windows of 50 rows.
FILE = LabelledFile("toy.csv", 1000, ((300, 349), (700, 749)), 100)


def detections(*rows: int, n: int = 1000) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(rows)] = True
    return out


def normalised(*rows: int) -> float:
    raw = score_detections(FILE, detections(*rows)).score
    return normalise(raw, null_score([FILE]), perfect_score([FILE]))


def test_perfect_detector_scores_100_and_null_detector_0() -> None:
    assert normalised(300, 700) == pytest.approx(100.0)
    assert normalised() == pytest.approx(0.0)


def test_earlier_detection_in_a_window_scores_higher() -> None:
    early, middle, late = normalised(305, 700), normalised(325, 700), normalised(348, 700)
    assert early > middle > late > normalised(700)  # even a late hit beats a miss


def test_only_the_first_detection_in_a_window_counts() -> None:
    assert normalised(305, 700) == pytest.approx(normalised(305, 306, 320, 340, 700))


def test_false_positives_lower_the_score_and_far_ones_cost_the_full_weight() -> None:
    clean = score_detections(FILE, detections(300, 700)).score
    with_far_fp = score_detections(FILE, detections(300, 700, 500)).score
    assert clean - with_far_fp == pytest.approx(STANDARD.fp, rel=1e-3)
    just_after = score_detections(FILE, detections(300, 700, 352)).score
    assert 0 < clean - just_after < clean - with_far_fp  # FP right after a window is cheaper
    before_any_window = score_detections(FILE, detections(300, 700, 200)).score
    assert clean - before_any_window == pytest.approx(STANDARD.fp)


def test_detections_in_the_probationary_period_are_ignored() -> None:
    assert normalised(300, 700, 50, 60, 99) == pytest.approx(100.0)


def test_a_window_inside_probation_is_not_counted() -> None:
    early = LabelledFile("early.csv", 1000, ((20, 60), (700, 749)), 100)
    assert null_score([early]) == -1.0
    assert score_detections(early, detections(700)).score == pytest.approx(1.0)


def test_profiles_weigh_misses_and_false_positives_differently() -> None:
    missed_one = detections(300, 500)  # one hit, one FP, one miss
    standard = score_detections(FILE, missed_one, PROFILES["standard"]).score
    low_fn = score_detections(FILE, missed_one, PROFILES["reward_low_FN_rate"]).score
    low_fp = score_detections(FILE, missed_one, PROFILES["reward_low_FP_rate"]).score
    assert low_fn < standard and low_fp < standard


def test_scaled_sigmoid_rewards_the_start_of_a_window_and_penalises_far_past_it() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866, abs=1e-4)
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert scaled_sigmoid(5.0) == -1.0


def test_threshold_sweep_finds_the_threshold_that_separates_hits_from_noise() -> None:
    scores = np.full(1000, 0.1)
    scores[[305, 705]] = 0.9  # early in both windows
    scores[500] = 0.6  # a false positive between them
    result = optimise_threshold([FILE], [scores])
    assert 0.6 < result.threshold <= 0.9
    assert result.files[0].tp == 2 and result.files[0].fp == 0
    assert result.score > score_at([FILE], [scores], [None], 0.5).score


def test_onset_floor_counts_one_alarm_per_period() -> None:
    scores = np.zeros(1000)
    scores[305:330] = 0.9  # one long anomalous period in the first window
    scores[500:520] = 0.8  # one long false-positive period
    floor = np.asarray(onset_floor(scores.tolist(), quiet=48))
    with_onsets = score_at([FILE], [scores], [floor], 0.5).files[0]
    every_row = score_at([FILE], [scores], [None], 0.5).files[0]
    assert (with_onsets.tp, with_onsets.fp) == (1, 1)
    assert (every_row.tp, every_row.fp) == (1, 20)
