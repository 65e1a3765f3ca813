"""The detector's signals. Each turns a statistic of the new point into a p-value against a
window of the same statistic on recent points (`TailWindow`), so no signal assumes a normal
distribution: a metric whose jumps are always large is judged against its own jumps.

- `level`: the point minus a decayed local level (spikes, drops, sudden shifts);
- `season`: the point minus what is normal for this hour of the week (hour of the day until enough
  weeks are seen), in units of that bucket's spread ("busy on Monday 9:00 is fine, on Sunday 3:00
  it is not");
- `value`: the point itself against the recent range (below or above anything seen lately);
"""

from __future__ import annotations

import math

from opsgraph.tools.anomaly.calibrate import TailWindow
from opsgraph.tools.anomaly.stats import WEEK_S, Decayed, Profile

_MAD_TO_SIGMA = 1.2533  # mean absolute deviation -> standard deviation, for a normal distribution
_SQRT2 = math.sqrt(2.0)


class TwoSided:
    """A statistic judged in both tails.

    With a `scale_span` the judgement is conservative: the larger of a robust-normal p-value
    (distance from a decayed mean in decayed mean-absolute-deviation units) and the empirical
    p-value from the window. Requiring both to agree keeps a bimodal or heavy-tailed statistic
    (a metric idling at 0 that regularly jumps to 0.08) from alarming on its usual jumps, while
    the far tail of a well-behaved one stays sharp.
    """

    def __init__(self, window: int, min_count: int, scale_span: float | None = None) -> None:
        self._tails = TailWindow(window)
        self._min_count = min_count
        self._scale = Decayed(scale_span) if scale_span else None

    def p_value(self, stat: float) -> float | None:
        if len(self._tails) < self._min_count:
            return None
        empirical = min(1.0, 2.0 * min(self._tails.upper(stat), self._tails.lower(stat)))
        if self._scale is None:
            return empirical
        sigma = _MAD_TO_SIGMA * self._scale.dev
        resid = abs(stat - self._scale.mean)
        normal = (1.0 if resid == 0.0 else 0.0) if sigma <= 0.0 else math.erfc(resid / sigma / _SQRT2)
        return max(normal, empirical)

    def add(self, stat: float) -> None:
        self._tails.add(stat)
        if self._scale is not None:
            self._scale.update(stat)


class Seasonal:
    """What is normal for this hour of the week, falling back to this hour of the day."""

    def __init__(self, week_memory: float, day_memory: float, min_weeks: int, min_days: int) -> None:
        self._week = Profile(168, WEEK_S, week_memory)
        self._day = Profile(24, 86400.0, day_memory)
        self._min_weeks = min_weeks
        self._min_days = min_days

    def deviation(self, ts: float, x: float) -> float | None:
        """(x - bucket mean) / bucket spread, or None while no bucket can be trusted yet."""
        mean, dev, weeks = self._week.expect(ts)
        if weeks < self._min_weeks:
            mean, dev, days = self._day.expect(ts)
            if days < self._min_days:
                return None
        resid = x - mean
        if dev > 0.0:
            return resid / dev
        return 0.0 if resid == 0.0 else math.copysign(1e6, resid)

    def learn(self, ts: float, x: float) -> None:
        self._week.update(ts, x)
        self._day.update(ts, x)
