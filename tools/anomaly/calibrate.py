"""Tail probabilities against a bounded window of recent values.

Inside the bulk of the window a tail probability is empirical (the share of recent values at least
as extreme). Beyond the window's outer quantiles it extrapolates with an exponential tail fitted to
the excesses over that quantile ("peaks over threshold"), so a value far beyond anything seen lately
gets a far smaller probability than one just beyond it, instead of both saturating at 1/n.

The window is kept sorted: insertion and removal are O(log n) searches plus a bounded memmove; the
tail fits are refreshed every `refit_every` values, so the cost per value is O(1) amortised.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

_TINY = 1e-300


class TailWindow:
    def __init__(self, size: int, tail_fraction: float = 0.1, refit_every: int = 25) -> None:
        self._window: deque[float] = deque(maxlen=size)
        self._sorted: list[float] = []
        self._fraction = tail_fraction
        self._refit_every = refit_every
        self._since_fit = 0
        self._hi = self._lo = math.nan  # quantiles where the fitted tails start
        self._hi_scale = self._lo_scale = 0.0

    def __len__(self) -> int:
        return len(self._sorted)

    @property
    def fitted(self) -> bool:
        return not math.isnan(self._hi)

    def upper(self, value: float) -> float:
        """P(a recent value >= value), add-one corrected; 1.0 for an empty window."""
        ranked = self._sorted
        n = len(ranked)
        if n == 0:
            return 1.0
        if not self.fitted or value <= self._hi:
            return (n - bisect.bisect_left(ranked, value) + 1.0) / (n + 1.0)
        return self._extrapolate(value - self._hi, self._hi_scale)

    def lower(self, value: float) -> float:
        """P(a recent value <= value), add-one corrected; 1.0 for an empty window."""
        ranked = self._sorted
        n = len(ranked)
        if n == 0:
            return 1.0
        if not self.fitted or value >= self._lo:
            return (bisect.bisect_right(ranked, value) + 1.0) / (n + 1.0)
        return self._extrapolate(self._lo - value, self._lo_scale)

    def _extrapolate(self, excess: float, scale: float) -> float:
        if scale <= 0.0:  # the tail has no spread at all: anything past it is extreme
            return _TINY
        return max(self._fraction * math.exp(-excess / scale), _TINY)

    def add(self, value: float) -> None:
        if len(self._window) == self._window.maxlen:
            del self._sorted[bisect.bisect_left(self._sorted, self._window[0])]
        self._window.append(value)
        bisect.insort(self._sorted, value)
        self._since_fit += 1
        if self._since_fit >= self._refit_every:
            self._fit()

    def _fit(self) -> None:
        self._since_fit = 0
        ranked = self._sorted
        k = int(len(ranked) * self._fraction)
        if k < 10:
            return
        # Exponential tails: the mean excess over the quantile is the scale's MLE. Its relative
        # standard error is 1/sqrt(k); using the upper 2-sigma bound keeps a short history (a
        # fresh series) from extrapolating overconfidently thin tails.
        widen = 1.0 + 2.0 / math.sqrt(k)
        self._hi = ranked[-k - 1]
        self._hi_scale = (sum(ranked[-k:]) / k - self._hi) * widen
        self._lo = ranked[k]
        self._lo_scale = (self._lo - sum(ranked[:k]) / k) * widen
