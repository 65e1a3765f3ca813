"""The streaming detector on series with known behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from opsgraph.tools.anomaly.detector import DetectorConfig, detect
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


def _two_spikes(two_weeks: Series, hours_apart: float) -> tuple[list[float], list[float], int, int]:
    times, values = two_weeks
    first = index_at(times, START + 11 * 86400 + 10 * HOUR)
    second = index_at(times, START + 11 * 86400 + (10 + hours_apart) * HOUR)
    values = list(values)
    values[first] += 15.0
    values[second] += 15.0
    return times, values, first, second


def test_an_alarm_is_not_repeated_within_the_refractory_period(two_weeks: Series) -> None:
    times, values, first, second = _two_spikes(two_weeks, hours_apart=3)
    out = list(detect(zip(times, values, strict=True)))
    assert [i for i, o in enumerate(out) if o.anomaly] == [first, second]  # both points are anomalous ...
    assert [i for i, o in enumerate(out) if o.alarm] == [first]  # ... the second pages nobody


def test_a_new_alarm_once_the_refractory_period_is_over(two_weeks: Series) -> None:
    times, values, first, second = _two_spikes(two_weeks, hours_apart=13)
    out = list(detect(zip(times, values, strict=True)))
    assert [i for i, o in enumerate(out) if o.alarm] == [first, second]
    config = DetectorConfig(refractory_s=14 * 3600.0)
    out = list(detect(zip(times, values, strict=True), config))
    assert [i for i, o in enumerate(out) if o.alarm] == [first]


def test_the_nab_eval_counts_the_alarms_the_detector_raises(two_weeks: Series) -> None:
    """evals/nab/alarms.py recomputes alarms per threshold; it must agree with the detector."""
    from opsgraph.evals.nab.alarms import refractory_alarms

    times, values, _, _ = _two_spikes(two_weeks, hours_apart=3)
    rng = np.random.default_rng(5)
    values = [v + 6.0 * float(rng.standard_t(2)) for v in values]  # heavy tails: many alarms
    for threshold in (0.2, 0.35, 0.5):
        config = DetectorConfig(threshold=threshold, refractory_s=2 * 3600.0)
        out = list(detect(zip(times, values, strict=True), config))
        scores = np.asarray([o.score for o in out])
        raised = [i for i, o in enumerate(out) if o.alarm]
        assert len(raised) > 1
        assert refractory_alarms(np.asarray(times, float), scores, threshold, config.refractory_s).tolist() == raised


def test_threshold_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="threshold"):
        DetectorConfig(threshold=1.5)
    with pytest.raises(ValueError, match="refractory_s"):
        DetectorConfig(refractory_s=-1.0)
