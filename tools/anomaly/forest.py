"""An Isolation Forest over a bounded window of recent feature vectors, refitted every
`refit_every` samples instead of on every sample (the seed's sketch refits on every update), and
scored one point at a time in O(trees * height), independent of the window size.

The raw isolation score is calibrated by the caller (signals.Context) against recent scores.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from opsgraph.tools.anomaly.iforest import IsolationForest, fit


def time_features(epoch: float) -> tuple[float, float]:
    """Hour of day on the unit circle (so 23:00 is next to 00:00).

    Hour of week is left to the seasonal profile: a forest window shorter than a week would see
    every new hour of the week as novel.
    """
    day = 2 * math.pi * (epoch % 86400) / 86400
    return math.sin(day), math.cos(day)


class WindowedForest:
    def __init__(
        self, *, window: int, refit_every: int, min_train: int, n_trees: int, max_samples: int, seed: int
    ) -> None:
        self._buffer: deque[tuple[float, ...]] = deque(maxlen=window)
        self._refit_every = refit_every
        self._min_train = max(min_train, 2)
        self._n_trees = n_trees
        self._max_samples = max_samples
        self._rng = np.random.default_rng(seed)
        self._since_fit = 0
        self._model: IsolationForest | None = None
        self.fits = 0

    @property
    def ready(self) -> bool:
        return self._model is not None

    def score(self, features: tuple[float, ...]) -> float:
        """Isolation score in (0, 1), higher is more anomalous; 0.5 before the first fit."""
        if self._model is None:
            return 0.5
        return self._model.score(np.asarray(features, dtype=float))

    def learn(self, features: tuple[float, ...]) -> None:
        self._buffer.append(features)
        self._since_fit += 1
        due = self._model is None or self._since_fit >= self._refit_every
        if due and len(self._buffer) >= self._min_train:
            data = np.asarray(self._buffer, dtype=float)
            self._model = fit(data, self._n_trees, self._max_samples, self._rng)
            self._since_fit = 0
            self.fits += 1
