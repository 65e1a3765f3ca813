"""The streaming detector: one point in, one scored point out, O(1) amortised work per point.

Every signal (see signals.py) judges the new point against state learned from the points before
it and answers with a p-value. The smallest p-value, Bonferroni-corrected for having looked at
several, is the point's surprise in decades (-log10 p). That surprise is then ranked against the
series' own recent surprises (`TailWindow`, with a fitted tail beyond them):

    score = min(1, -log10(P(a recent surprise >= this one)) / decades)

so 0 is unremarkable, 0.5 (the default alarm threshold) means "one in 10^4 lately", 1.0 "far
beyond anything seen". A series that is always a little noisy therefore does not alarm all day.

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

from opsgraph.tools.anomaly.calibrate import TailWindow
from opsgraph.tools.anomaly.forest import WindowedForest
from opsgraph.tools.anomaly.signals import Context, Seasonal, TwoSided
from opsgraph.tools.anomaly.stats import Decayed, Interval


@dataclass(frozen=True)
class DetectorConfig:
    """Hyperparameters, chosen a priori in operational units (rationale in tools/anomaly/README.md).

    Spans and windows count samples: at 5-minute resolution 8640 samples are 30 days, 2160 are a
    week and 48 are 4 hours.
    """

    level_span: float = 6.0  # local level: about the last half hour of a 5-minute series
    volatility_span: float = 24.0
    scale_span: float = 2160.0  # robust scale of jumps and seasonal deviations: about a week
    week_memory: float = 4.0  # hour-of-week buckets forget over ~4 weeks
    day_memory: float = 7.0  # hour-of-day buckets forget over ~7 days
    min_weeks: int = 2  # a bucket needs this many distinct weeks before it is trusted
    min_days: int = 3
    window: int = 8640  # recent values each signal (and the final score) is judged against
    min_count: int = 50  # a signal speaks only once its window holds this many values
    decades: float = 8.0  # score 1.0 = a tail probability of 1e-8 against recent surprises
    warmup: int = 100  # no score before this many points ...
    warmup_s: float = 86400.0  # ... and before a day of data (a daily cycle seen once)
    forest_window: int = 2000
    forest_refit_every: int = 250
    forest_min_train: int = 100
    forest_trees: int = 50
    forest_max_samples: int = 256
    threshold: float = 0.5  # anomaly = score >= threshold
    quiet: int = 48  # anomalous points closer than this many samples form one period / one alarm
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")


@dataclass(frozen=True)
class Scored:
    timestamp: float
    value: float
    score: float
    anomaly: bool


class StreamingDetector:
    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = cfg = config or DetectorConfig()
        self.n = 0
        self._first: float | None = None
        self._interval = Interval()
        self._level = Decayed(cfg.level_span)
        self._volatility = Decayed(cfg.volatility_span)
        self._prev: float | None = None
        self._value = TwoSided(cfg.window, cfg.min_count)
        self._jump = TwoSided(cfg.window, cfg.min_count, cfg.scale_span)
        self._season_dev = TwoSided(cfg.window, cfg.min_count, cfg.scale_span)
        self._season = Seasonal(cfg.week_memory, cfg.day_memory, cfg.min_weeks, cfg.min_days)
        forest = WindowedForest(
            window=cfg.forest_window,
            refit_every=cfg.forest_refit_every,
            min_train=cfg.forest_min_train,
            n_trees=cfg.forest_trees,
            max_samples=cfg.forest_max_samples,
            seed=cfg.seed,
        )
        self._context = Context(forest, cfg.window, cfg.min_count)
        self._history = TailWindow(cfg.window)

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
            score = min(1.0, -math.log10(self._history.upper(surprise)) / self.config.decades)
        self._history.add(surprise)
        return Scored(timestamp, value, score, score >= self.config.threshold and score > 0.0)

    def _observe(self, ts: float, x: float, steps: float) -> float:
        """Judge the point against the past, then learn it; return the surprise in decades."""
        p_values = [self._value.p_value(x)]
        jump = season = None
        features: tuple[float, ...] | None = None
        if self._level.ready:
            # A gap makes the old level stale: shrink the jump by the time that went by.
            jump = (x - self._level.mean) / math.sqrt(max(steps, 1.0))
            season = self._season.deviation(ts, x)
            features = Context.features(ts, x, self._level, self._volatility)
            p_values.append(self._jump.p_value(jump))
            p_values.append(None if season is None else self._season_dev.p_value(season))
            p_values.append(self._context.p_value(features))
        self._learn(ts, x, steps, jump, season, features)
        known = [p for p in p_values if p is not None]
        if not known:
            return 0.0
        p = min(1.0, len(known) * min(known))
        return -math.log10(max(p, 1e-300))

    def _learn(
        self,
        ts: float,
        x: float,
        steps: float,
        jump: float | None,
        season: float | None,
        features: tuple[float, ...] | None,
    ) -> None:
        self._value.add(x)
        if jump is not None:
            self._jump.add(jump)
        if season is not None:
            self._season_dev.add(season)
        if features is not None:
            self._context.learn(features)
        if self._prev is not None:
            self._volatility.update(abs(x - self._prev), steps)
        self._prev = x
        self._level.update(x, steps)
        self._season.learn(ts, x)


def detect(points: Iterable[tuple[float, float]], config: DetectorConfig | None = None) -> Iterator[Scored]:
    detector = StreamingDetector(config)
    for ts, value in points:
        yield detector.update(ts, value)
