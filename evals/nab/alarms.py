"""NAB scores of a detector's alarms at every threshold at once, alarms as the detector raises them.

The streaming detector raises an alarm at a point whose score is at or above the threshold unless
it raised one less than `refractory_s` seconds earlier (tools/anomaly/detector.py). Which points
are alarms therefore depends on the threshold, so the alarms are recomputed per threshold: the
rows at or above it, then greedily the first of them and the first one more than `refractory_s`
after the previous alarm (a binary search per alarm, so the cost is the number of alarms).

`raw_table` gives the raw NAB score of every file at every threshold of a fixed grid; choosing a
threshold (and a refractory period) on some files is then a sum over their rows of the table and
an argmax, and scoring other files at that choice is a lookup. The grid is fixed a priori
(`GRID`), not drawn from any file's scores, so no held-out file shapes the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from opsgraph.evals.nab.scoring import CostProfile, FloatArray, LabelledFile, row_weights

GRID: FloatArray = np.round(np.arange(1.0, 0.0499, -0.0025), 4)  # descending: ties keep the higher one
IntArray = npt.NDArray[np.int64]


def refractory_alarms(times: FloatArray, scores: FloatArray, threshold: float, refractory_s: float) -> IntArray:
    """Rows where the detector raises an alarm at `threshold` (see the module docstring)."""
    rows = np.flatnonzero((scores >= threshold) & (scores > 0.0))
    if len(rows) == 0 or refractory_s <= 0.0:
        return rows
    at = np.maximum.accumulate(times)[rows]  # time going backwards never reopens an alarm
    picked = []
    i = 0
    while i < len(rows):
        picked.append(rows[i])
        i = int(np.searchsorted(at, at[i] + refractory_s, side="right"))
    return np.asarray(picked, dtype=np.int64)


class _FileScorer:
    """One file's row weights under one profile, to score a set of alarm rows quickly."""

    def __init__(self, labels: LabelledFile, profile: CostProfile) -> None:
        rw = row_weights(labels, profile)
        self.weight = rw.weight
        self.window = rw.window
        self.probation = labels.probation
        self.counted = np.zeros(len(labels.windows), dtype=bool)
        self.counted[labels.counted_windows()] = True
        self.fn_cost = profile.fn

    def raw(self, alarms: IntArray) -> float:
        scored = alarms[alarms >= self.probation]
        win = self.window[scored]
        total = float(self.weight[scored[win < 0]].sum())
        best = np.full(len(self.counted), -np.inf)
        np.maximum.at(best, win[win >= 0], self.weight[scored[win >= 0]])
        hit = self.counted & np.isfinite(best)
        return total + float(best[hit].sum()) - self.fn_cost * float((self.counted & ~hit).sum())


def raw_table(
    labels: Sequence[LabelledFile],
    times: Sequence[FloatArray],
    scores: Sequence[FloatArray],
    refractory_s: float,
    profiles: Sequence[CostProfile],
    grid: FloatArray = GRID,
) -> dict[str, FloatArray]:
    """Per profile, a (files x thresholds) table of raw NAB scores of the alarms at each threshold."""
    tables = {p.name: np.zeros((len(labels), len(grid))) for p in profiles}
    for f, (lab, ts, sc) in enumerate(zip(labels, times, scores, strict=True)):
        if len(sc) != lab.n_rows or len(ts) != lab.n_rows:
            raise ValueError(f"{lab.name}: {len(sc)} scores and {len(ts)} times for {lab.n_rows} rows")
        scorers = [(_FileScorer(lab, p), tables[p.name]) for p in profiles]
        top = float(sc.max()) if len(sc) else 0.0
        none = np.zeros(0, dtype=np.int64)
        for k, threshold in enumerate(grid):
            alarms = none if threshold > top else refractory_alarms(ts, sc, float(threshold), refractory_s)
            for scorer, table in scorers:
                table[f, k] = scorer.raw(alarms)
    return tables
