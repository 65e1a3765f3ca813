"""NAB scoring, written from the method's published description (Lavin & Ahmad 2015, and the NAB
repository's description of its scorer).

- Each labelled anomaly is a window of rows. The first detection inside a window earns
  `A_TP * sigmoid_reward(position) / sigmoid_reward(-1)`, where position runs from -1 at the
  window's first row towards 0 at its last row, so an early detection earns ~1 and a late one ~0.
- A detection outside every window costs `A_FP` times the scaled sigmoid of how far it is past the
  end of the previous window (relative to that window's width): just after a window it costs
  almost nothing, far away (or before the first window) it costs the full `A_FP`.
- A window with no detection costs `A_FN`.
- Rows in the probationary period (the start of each file) are not scored at all; a window that
  lies entirely inside it is not counted.
- The raw score is summed over the corpus and normalised between the null detector (never detects)
  and the perfect detector (detects every window on its first scored row):
  `100 * (S - S_null) / (S_perfect - S_null)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CostProfile:
    name: str
    tp: float
    fp: float
    fn: float
    tn: float = 1.0  # part of the published profiles; the NAB score itself never uses it


PROFILES: dict[str, CostProfile] = {
    "standard": CostProfile("standard", tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": CostProfile("reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": CostProfile("reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0),
}
STANDARD = PROFILES["standard"]
PROBATION_FRACTION = 0.15
PROBATION_CAP_ROWS = 750  # NAB caps the probationary period at 15% of 5000 rows


def scaled_sigmoid(position: float) -> float:
    """2*sigmoid(-5x) - 1: ~+1 at x=-1 (window start), 0 at the window end, -> -1 past it."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probation_rows(n_rows: int, *, capped: bool = True) -> int:
    rows = math.floor(PROBATION_FRACTION * n_rows)
    return min(rows, int(PROBATION_FRACTION * 5000)) if capped else rows


@dataclass(frozen=True)
class LabelledFile:
    """One data file's geometry: row count, windows as inclusive row ranges, probation length."""

    name: str
    n_rows: int
    windows: tuple[tuple[int, int], ...]
    probation: int

    def counted_windows(self) -> list[int]:
        return [i for i, (_, right) in enumerate(self.windows) if right >= self.probation]


@dataclass(frozen=True)
class RowWeights:
    """What a detection on each row is worth: `weight`, and the window it falls in (-1: none)."""

    weight: FloatArray
    window: npt.NDArray[np.int64]
    scored: BoolArray


def row_weights(file: LabelledFile, profile: CostProfile = STANDARD) -> RowWeights:
    weight = np.empty(file.n_rows)
    window = np.full(file.n_rows, -1, dtype=np.int64)
    prev_right: int | None = None
    prev_width = 0
    bounds = sorted(file.windows)
    k = 0
    for i in range(file.n_rows):
        while k < len(bounds) and bounds[k][1] < i:
            prev_right, prev_width = bounds[k][1], bounds[k][1] - bounds[k][0] + 1
            k += 1
        if k < len(bounds) and bounds[k][0] <= i:
            left, right = bounds[k]
            position = -(right - i + 1) / (right - left + 1)
            weight[i] = scaled_sigmoid(position) * profile.tp / MAX_TP
            window[i] = file.windows.index(bounds[k])
        elif prev_right is None:
            weight[i] = -profile.fp
        else:
            past = abs(i - prev_right) / max(prev_width - 1, 1)
            weight[i] = scaled_sigmoid(past) * profile.fp
    scored = np.arange(file.n_rows) >= file.probation
    return RowWeights(weight, window, scored)


@dataclass(frozen=True)
class FileScore:
    name: str
    score: float
    tp: int
    fp: int
    fn: int


def score_detections(file: LabelledFile, detected: BoolArray, profile: CostProfile = STANDARD) -> FileScore:
    """Raw NAB score of one file for a boolean detection per row."""
    if len(detected) != file.n_rows:
        raise ValueError(f"{file.name}: {len(detected)} detections for {file.n_rows} rows")
    rw = row_weights(file, profile)
    hits = detected & rw.scored
    fp_rows = hits & (rw.window < 0)
    total = float(rw.weight[fp_rows].sum())
    tp = fn = 0
    for w in file.counted_windows():
        in_window = hits & (rw.window == w)
        if in_window.any():
            tp += 1
            total += float(rw.weight[in_window].max())
        else:
            fn += 1
            total -= profile.fn
    return FileScore(file.name, total, tp, int(fp_rows.sum()), fn)


def null_score(files: Sequence[LabelledFile], profile: CostProfile = STANDARD) -> float:
    return -profile.fn * sum(len(f.counted_windows()) for f in files)


def perfect_score(files: Sequence[LabelledFile], profile: CostProfile = STANDARD) -> float:
    total = 0.0
    for f in files:
        detected = np.zeros(f.n_rows, dtype=bool)
        for w in f.counted_windows():
            detected[max(f.windows[w][0], f.probation)] = True
        total += score_detections(f, detected, profile).score
    return total


def normalise(raw: float, null: float, perfect: float) -> float:
    """NAB's 0-100 scale; NaN where it is undefined: files with no anomaly window to find
    (`artificialNoAnomaly/`) have null == perfect, and only their false positives (the raw
    score) say anything. Over a corpus that has windows it is always defined."""
    if perfect == null:
        return math.nan
    return 100.0 * (raw - null) / (perfect - null)
