"""Choosing the detection threshold the way NAB does: one threshold per detector and profile,
the one that maximises the summed raw score over the whole corpus.

A detector hands over, per file, a score per row and optionally a `floor` per row: the row is a
detection at threshold t when `score >= t > floor`. With no floor this is NAB's plain
`score >= t`; with the floor set to the highest score of the preceding quiet period it counts
only alarm *onsets* (a new alarm needs the score to have stayed below t for a while), which is
how opsgraph raises alarms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from opsgraph.evals.nab.scoring import (
    STANDARD,
    BoolArray,
    CostProfile,
    FileScore,
    FloatArray,
    LabelledFile,
    normalise,
    null_score,
    perfect_score,
    row_weights,
    score_detections,
)

MAX_CANDIDATES = 4000


@dataclass(frozen=True)
class SweepResult:
    profile: str
    threshold: float
    raw: float
    score: float
    null: float
    perfect: float
    files: tuple[FileScore, ...]


@dataclass(frozen=True)
class _Corpus:
    score: FloatArray
    floor: FloatArray
    weight: FloatArray
    window: np.ndarray
    n_windows: int
    counted: BoolArray  # windows with at least one scored row
    candidates: FloatArray  # thresholds worth trying, from every scored row


def detections(scores: FloatArray, floor: FloatArray | None, threshold: float) -> BoolArray:
    hit = scores >= threshold
    return hit if floor is None else hit & (floor < threshold)


def optimise_threshold(
    files: Sequence[LabelledFile],
    scores: Sequence[FloatArray],
    floors: Sequence[FloatArray | None] | None = None,
    profile: CostProfile = STANDARD,
) -> SweepResult:
    floors = floors if floors is not None else [None] * len(files)
    corpus = _gather(files, scores, floors, profile)
    best_t, best_raw = np.inf, -np.inf
    for t in corpus.candidates:
        raw = _raw_at(corpus, t, profile)
        if raw > best_raw:  # ties keep the higher threshold (fewer alarms)
            best_t, best_raw = float(t), raw
    return score_at(files, scores, floors, best_t, profile)


def score_at(
    files: Sequence[LabelledFile],
    scores: Sequence[FloatArray],
    floors: Sequence[FloatArray | None],
    threshold: float,
    profile: CostProfile = STANDARD,
) -> SweepResult:
    per_file = tuple(
        score_detections(f, detections(s, fl, threshold), profile)
        for f, s, fl in zip(files, scores, floors, strict=True)
    )
    raw = sum(p.score for p in per_file)
    null, perfect = null_score(files, profile), perfect_score(files, profile)
    return SweepResult(profile.name, threshold, raw, normalise(raw, null, perfect), null, perfect, per_file)


def _gather(
    files: Sequence[LabelledFile],
    scores: Sequence[FloatArray],
    floors: Sequence[FloatArray | None],
    profile: CostProfile,
) -> _Corpus:
    parts: dict[str, list[np.ndarray]] = {"score": [], "floor": [], "weight": [], "window": []}
    offset = 0
    for f, s, fl in zip(files, scores, floors, strict=True):
        if len(s) != f.n_rows:
            raise ValueError(f"{f.name}: {len(s)} scores for {f.n_rows} rows")
        rw = row_weights(f, profile)
        keep = rw.scored
        scored_windows = set(f.counted_windows())
        win = np.array([w + offset if w in scored_windows else -1 for w in rw.window[keep]], dtype=np.int64)
        floor = np.full(f.n_rows, -np.inf) if fl is None else np.asarray(fl, dtype=float)
        parts["score"].append(np.asarray(s, dtype=float)[keep])
        parts["floor"].append(floor[keep])
        parts["weight"].append(rw.weight[keep])
        parts["window"].append(win)
        offset += len(f.windows)
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    counted = np.zeros(offset, dtype=bool)
    counted[cat["window"][cat["window"] >= 0]] = True
    # A row is a detection at some threshold only if its score is above its floor: with alarm
    # onsets that is ~2% of the rows, so the sweep reads only those. Candidates still come from
    # every score, so the chosen threshold is the same as over all rows.
    live = cat["score"] > cat["floor"]
    candidates = _candidates(cat["score"])
    return _Corpus(
        cat["score"][live], cat["floor"][live], cat["weight"][live], cat["window"][live], offset, counted, candidates
    )


def _candidates(score: FloatArray) -> FloatArray:
    finite = np.unique(score[np.isfinite(score)])
    if len(finite) > MAX_CANDIDATES:
        # The top of the distribution matters most (few alarms); keep it exactly, thin the rest.
        top = finite[-MAX_CANDIDATES // 2 :]
        rest = finite[: -MAX_CANDIDATES // 2]
        rest = rest[np.linspace(0, len(rest) - 1, MAX_CANDIDATES // 2).astype(int)]
        finite = np.concatenate([rest, top])
    grid = np.linspace(0.0, 1.0, 101)
    never = [max(1.0, float(finite.max()) if len(finite) else 1.0) + 1e-9]  # no detections at all
    return np.unique(np.concatenate([finite, grid, never]))[::-1]


def _raw_at(corpus: _Corpus, threshold: float, profile: CostProfile) -> float:
    det = (corpus.score >= threshold) & (corpus.floor < threshold)
    outside = det & (corpus.window < 0)
    raw = float(corpus.weight[outside].sum())
    best = np.full(corpus.n_windows, -np.inf)
    inside = det & (corpus.window >= 0)
    np.maximum.at(best, corpus.window[inside], corpus.weight[inside])
    hit = corpus.counted & np.isfinite(best)
    return raw + float(best[hit].sum()) - profile.fn * float((corpus.counted & ~hit).sum())
