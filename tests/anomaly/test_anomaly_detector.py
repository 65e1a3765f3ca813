"""The streaming detector on series with known behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from opsgraph.tools.anomaly.detector import DetectorConfig, StreamingDetector, detect
from tests.anomaly.series_builders import HOUR, START, daily_series, index_at

Series = tuple[list[float], list[float]]


def run(times: list[float], values: list[float], config: DetectorConfig | None = None) -> tuple[list[float], list[int]]:
    out = list(detect(zip(times, values, strict=True), config))
    return [o.score for o in out], [i for i, o in enumerate(out) if o.anomaly]


@pytest.fixture(scope="module")
def two_weeks() -> Series:
    return daily_series(15, step_s=600)


def test_normal_behaviour_raises_no_alarm(two_weeks: Series) -> None:
    times, values = two_weeks
    scores, flagged = run(times, values)
    assert flagged == []
    assert len(scores) == len(values) and all(0.0 <= s <= 1.0 for s in scores)


def test_a_spike_is_flagged_and_nothing_else(two_weeks: Series) -> None:
    times, values = two_weeks
    spike = index_at(times, START + 12 * 86400 + 14 * HOUR)
    values = list(values)
    values[spike] += 15.0  # 15 noise sigmas, but still inside the daily range
    scores, flagged = run(times, values)
    assert flagged == [spike]
    assert scores[spike] == max(scores)


def test_busy_at_night_is_flagged_although_the_same_level_is_normal_by_day(
    two_weeks: Series,
) -> None:
    times, values = two_weeks
    night = range(index_at(times, START + 12 * 86400 + 20 * HOUR), index_at(times, START + 13 * 86400 + 4 * HOUR))
    rng = np.random.default_rng(7)
    values = list(values)
    for i in night:
        values[i] = 58.0 + float(rng.normal())  # daytime level, smoothly held through the night
    _, flagged = run(times, values)
    # Flagged during the busy night, and at the sudden drop back to the night level at 04:00.
    assert flagged[0] == night.start
    assert all(night.start <= i < night.stop + 6 for i in flagged)
    assert max(values[: night.start]) > 58.0  # the level itself is not unusual, the hour is


def test_a_short_series_is_in_warm_up_and_never_cries_wolf() -> None:
    times, values = daily_series(1, step_s=600)
    values[-1] += 100.0
    scores, flagged = run(times[:60], values[:60])
    assert flagged == [] and max(scores) == 0.0


def test_a_constant_series_is_quiet_until_it_changes() -> None:
    times = [START + 300.0 * i for i in range(900)]
    values = [5.0] * 900
    _, quiet = run(times, values)
    assert quiet == []
    values[800] = 6.0
    _, flagged = run(times, values)
    assert flagged and flagged[0] == 800


def test_missing_values_score_zero_and_do_not_break_detection(
    two_weeks: Series,
) -> None:
    times, values = two_weeks
    spike = index_at(times, START + 12 * 86400 + 14 * HOUR)
    values = list(values)
    values[spike] += 15.0
    for i in range(spike - 60, spike - 10):
        values[i] = math.nan
    scores, flagged = run(times, values)
    assert flagged == [spike]
    assert all(scores[i] == 0.0 for i in range(spike - 60, spike - 10))


def test_irregular_sampling_and_a_two_day_gap_do_not_raise_false_alarms() -> None:
    rng = np.random.default_rng(3)
    steps = rng.uniform(60, 600, 6000)
    steps[3000] += 2 * 86400  # the agent was down for two days
    times = list(START + np.cumsum(steps))
    values = [40.0 - 20.0 * math.cos(2 * math.pi * ((t % 86400) / HOUR - 2.0) / 24.0) + rng.normal() for t in times]
    values[4500] += 15.0
    _, flagged = run(times, values)
    assert flagged == [4500]


def _daily(t: float) -> float:
    return 40.0 - 20.0 * math.cos(2 * math.pi * ((t % 86400) / HOUR - 2.0) / 24.0)


def test_time_going_backwards_is_tolerated() -> None:
    times, values = daily_series(3)
    times[400], times[401] = times[401], times[400]
    scores, _ = run(times, values)
    assert len(scores) == len(times)


def test_the_forest_is_refitted_on_a_schedule_not_per_point(
    two_weeks: Series,
) -> None:
    times, values = two_weeks
    config = DetectorConfig()
    detector = StreamingDetector(config)
    for t, v in zip(times, values, strict=True):
        detector.update(t, v)
    fits = detector._context.forest.fits
    assert 1 <= fits <= len(times) // config.forest_refit_every + 1


def test_threshold_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="threshold"):
        DetectorConfig(threshold=1.5)
