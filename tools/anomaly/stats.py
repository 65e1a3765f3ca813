"""Online statistics with O(1) work per sample: decayed means and spreads, the typical sampling
interval, and hour-of-week / hour-of-day profiles.

Decay is measured in *samples* (dt divided by the typical interval), so a half-life means the
same thing for a 5-minute and an hourly series, and a gap in the data ages the state by as much
as the samples that did not arrive.
"""

from __future__ import annotations

import math
from collections import deque

HOURS_PER_WEEK = 168
WEEK_S = 7 * 24 * 3600.0


def hour_of_week(epoch: float) -> int:
    """Monday 00:00 UTC is 0 (1970-01-01 was a Thursday)."""
    return (int(epoch // 3600) + 72) % HOURS_PER_WEEK


class Decayed:
    """Exponentially decayed mean and mean absolute deviation, with an effective sample count."""

    __slots__ = ("dev", "mean", "span", "weight")

    def __init__(self, span: float) -> None:
        self.span = span
        self.weight = 0.0
        self.mean = 0.0
        self.dev = 0.0

    def update(self, value: float, steps: float = 1.0) -> None:
        keep = math.exp(-steps / self.span)
        self.weight = self.weight * keep + 1.0
        rate = 1.0 / self.weight
        delta = value - self.mean
        self.mean += rate * delta
        self.dev += rate * (abs(delta) - self.dev)

    @property
    def ready(self) -> bool:
        return self.weight > 0.0


class Interval:
    """Typical spacing between samples: the median of the last few positive steps."""

    __slots__ = ("_recent", "last")

    def __init__(self, size: int = 15) -> None:
        self._recent: deque[float] = deque(maxlen=size)
        self.last: float | None = None

    def observe(self, epoch: float) -> float:
        """Record a sample time; return the step since the previous one in typical intervals."""
        if self.last is None:
            self.last = epoch
            return 1.0
        dt = epoch - self.last
        self.last = max(self.last, epoch)
        if dt <= 0:
            return 0.0
        typical = self.typical or dt
        self._recent.append(dt)
        return dt / typical

    @property
    def typical(self) -> float | None:
        if not self._recent:
            return None
        ordered = sorted(self._recent)
        return ordered[len(ordered) // 2]


class Profile:
    """Per-bucket decayed mean and spread (hour of week or hour of day), remembering how many
    distinct periods (weeks or days) each bucket has seen: one week of data says nothing about
    what is normal on Mondays."""

    __slots__ = ("_buckets", "_epochs", "_period_s", "_seen", "memory_s")

    def __init__(self, n_buckets: int, period_s: float, memory_periods: float) -> None:
        self._buckets = [_Bucket() for _ in range(n_buckets)]
        self._period_s = period_s
        self.memory_s = memory_periods * period_s
        self._epochs = [-1] * n_buckets
        self._seen = [0] * n_buckets

    def bucket(self, epoch: float) -> int:
        return hour_of_week(epoch) % len(self._buckets)  # 24 buckets: hour of day

    def expect(self, epoch: float) -> tuple[float, float, int]:
        """(mean, mean abs deviation, distinct periods seen) for the bucket of `epoch`."""
        b = self.bucket(epoch)
        bucket = self._buckets[b]
        return bucket.mean, bucket.dev, self._seen[b]

    def update(self, epoch: float, value: float) -> None:
        b = self.bucket(epoch)
        period = int(epoch // self._period_s)
        if period != self._epochs[b]:
            self._epochs[b] = period
            self._seen[b] += 1
        self._buckets[b].update(epoch, value, self.memory_s)


class _Bucket:
    __slots__ = ("dev", "last", "mean", "weight")

    def __init__(self) -> None:
        self.weight = 0.0
        self.mean = 0.0
        self.dev = 0.0
        self.last = 0.0

    def update(self, epoch: float, value: float, memory_s: float) -> None:
        keep = math.exp(-max(epoch - self.last, 0.0) / memory_s) if self.weight else 0.0
        self.last = epoch
        self.weight = self.weight * keep + 1.0
        rate = 1.0 / self.weight
        delta = value - self.mean
        self.mean += rate * delta
        self.dev += rate * (abs(delta) - self.dev)
