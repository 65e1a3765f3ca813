"""The streaming detector: one point in, one scored point out, O(1) amortised work per point.

Every signal (see signals.py) judges the new point against state learned from the points before
it and answers with a p-value, each calibrated on the series' own recent history of the same
statistic, so the signals share one scale. Their harmonic mean (a combination that stays valid
when the signals are dependent, Wilson 2019) is the point's p-value P, and its surprise in decades
is -log10 P:

    score = min(1, -log10(P) / decades)

so 0 is unremarkable, 0.5 (the default alarm threshold, decades = 6) means P <= 0.001 and 1.0
means P <= 1e-6.

An alarm is a point at or above the threshold while no alarm was raised in the last
`refractory_s` seconds (12 hours by default): an incident that is already being looked at does
not page again for every point of it, and a noisy series cannot page all day.

Warm-up: no score until `warmup` points and a day of data have been seen, and each signal stays
silent until it has enough history (`min_count`; the seasonal one until a bucket has seen
`min_weeks` weeks or `min_days` days). Missing values (NaN) score 0 and change nothing. Gaps
age the local level, so the first point after a gap is judged against a wider band. Time going
backwards is tolerated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from opsgraph.tools.anomaly.signals import Seasonal, TwoSided
from opsgraph.tools.anomaly.stats import Decayed, Interval


@dataclass(frozen=True)
class DetectorConfig:
    """Hyperparameters, chosen a priori in operational units (rationale in tools/anomaly/README.md).

    Spans and windows count samples: at 5-minute resolution 8640 samples are 30 days, 2160 are a
    week and 48 are 4 hours.
    """

    level_span: float = 6.0  # local level: about the last half hour of a 5-minute series
    scale_span: float = 2160.0  # robust scale of jumps and seasonal deviations: about a week
    week_memory: float = 4.0  # hour-of-week buckets forget over ~4 weeks
    day_memory: float = 7.0  # hour-of-day buckets forget over ~7 days
    min_weeks: int = 2  # a bucket needs this many distinct weeks before it is trusted
    min_days: int = 3
    window: int = 8640  # recent values of its statistic each signal is judged against
    min_count: int = 50  # a signal speaks only once its window holds this many values
    decades: float = 6.0  # score 1.0 = a combined p-value of 1e-6; 0.5 = 1e-3
    warmup: int = 100  # no score before this many points ...
    warmup_s: float = 86400.0  # ... and before a day of data (a daily cycle seen once)
    threshold: float = 0.5  # anomaly = score >= threshold
    quiet: int = 48  # anomalous points closer than this many samples form one period
    refractory_s: float = 12 * 3600.0  # after an alarm, no new alarm for this long

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.refractory_s < 0.0:
            raise ValueError(f"refractory_s must be 0 or more seconds, got {self.refractory_s}")


@dataclass(frozen=True)
class Scored:
    timestamp: float
    value: float
    score: float
    anomaly: bool  # score >= threshold
    alarm: bool = False  # anomalous and outside the refractory period of the previous alarm


class StreamingDetector:
    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = cfg = config or DetectorConfig()
        self.n = 0
        self._first: float | None = None
        self._interval = Interval()
        self._level = Decayed(cfg.level_span)
        self._value = TwoSided(cfg.window, cfg.min_count)
        self._jump = TwoSided(cfg.window, cfg.min_count, cfg.scale_span)
        self._season_dev = TwoSided(cfg.window, cfg.min_count, cfg.scale_span)
        self._season = Seasonal(cfg.week_memory, cfg.day_memory, cfg.min_weeks, cfg.min_days)
        self._last_alarm: float | None = None

    def update(self, timestamp: float, value: float) -> Scored:
        if math.isnan(value):
            return Scored(timestamp, value, 0.0, False)
        steps = self._interval.observe(timestamp)
        surprise = self._observe(timestamp, value, steps)
        self.n += 1
        if self._first is None:
            self._first = timestamp
        score = 0.0
        if self.n > self.config.warmup and timestamp - self._first >= self.config.warmup_s:
            score = min(1.0, surprise / self.config.decades)
        anomaly = score >= self.config.threshold and score > 0.0
        alarm = anomaly and (self._last_alarm is None or timestamp - self._last_alarm > self.config.refractory_s)
        if alarm:
            self._last_alarm = timestamp
        return Scored(timestamp, value, score, anomaly, alarm)

    def _observe(self, ts: float, x: float, steps: float) -> float:
        """Judge the point against the past, then learn it; return the surprise in decades."""
        p_values = [self._value.p_value(x)]
        jump = season = None
        if self._level.ready:
            # A gap makes the old level stale: shrink the jump by the time that went by.
            jump = (x - self._level.mean) / math.sqrt(max(steps, 1.0))
            season = self._season.deviation(ts, x)
            p_values.append(self._jump.p_value(jump))
            p_values.append(None if season is None else self._season_dev.p_value(season))
        self._learn(ts, x, steps, jump, season)
        known = [max(p, 1e-300) for p in p_values if p is not None]
        if not known:
            return 0.0
        # Harmonic mean p-value (Wilson 2019, PNAS): valid for dependent tests (the signals all see
        # the same point), as small as the smallest p when one signal is sure, smaller than
        # Bonferroni's when several agree.
        p = min(1.0, len(known) / sum(1.0 / q for q in known))
        return -math.log10(p)

    def _learn(self, ts: float, x: float, steps: float, jump: float | None, season: float | None) -> None:
        self._value.add(x)
        if jump is not None:
            self._jump.add(jump)
        if season is not None:
            self._season_dev.add(season)
        self._level.update(x, steps)
        self._season.learn(ts, x)


def detect(points: Iterable[tuple[float, float]], config: DetectorConfig | None = None) -> Iterator[Scored]:
    detector = StreamingDetector(config)
    for ts, value in points:
        yield detector.update(ts, value)
