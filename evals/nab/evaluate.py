"""Running a detector over the NAB corpus and scoring it every way the report needs."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from opsgraph.evals.nab.corpus import NabFile, load_corpus
from opsgraph.evals.nab.scoring import (
    PROFILES,
    FloatArray,
    normalise,
    null_score,
    perfect_score,
    probation_rows,
)
from opsgraph.evals.nab.sweep import SweepResult, optimise_threshold, score_at
from opsgraph.tools.anomaly.detector import DetectorConfig
from opsgraph.tools.anomaly.periods import onset_floor


@dataclass(frozen=True)
class NabResult:
    detector: str
    by_profile: dict[str, SweepResult]
    per_row: SweepResult  # plain NAB: every row above the threshold is a detection
    uncapped: SweepResult  # probation = 15% of each file, without NAB's 750-row cap
    at_default: SweepResult  # at the detector's own default threshold, no optimisation
    leave_one_out: float
    seconds: float
    points: int

    @property
    def standard(self) -> SweepResult:
        return self.by_profile["standard"]

    def details(self) -> dict[str, Any]:
        std = self.standard
        return {
            "detector": self.detector,
            "threshold": round(std.threshold, 6),
            "files": {f.name: {"score": round(f.score, 3), "tp": f.tp, "fp": f.fp, "fn": f.fn} for f in std.files},
            "raw": round(std.raw, 3),
            "null": std.null,
            "perfect": round(std.perfect, 3),
            "per_row_detections": round(self.per_row.score, 2),
            "uncapped_probation": round(self.uncapped.score, 2),
            "at_default_threshold": round(self.at_default.score, 2),
            "leave_one_file_out": round(self.leave_one_out, 2),
            "points": self.points,
            "points_per_second": round(self.points / self.seconds, 1) if self.seconds > 0 else None,
            "note": "one threshold per profile, optimised over the whole corpus as NAB does",
        }


def _score_one(job: tuple[tuple[float, ...], tuple[float, ...], DetectorConfig]) -> list[float]:
    from opsgraph.tools.anomaly.detector import StreamingDetector

    timestamps, values, config = job
    detector = StreamingDetector(config)
    return [detector.update(t, v).score for t, v in zip(timestamps, values, strict=True)]


def detector_scores(files: Sequence[NabFile], config: DetectorConfig, workers: int | None = None) -> list[FloatArray]:
    jobs = [(f.series.timestamps, f.series.values, config) for f in files]
    workers = workers if workers is not None else min(len(jobs), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [np.asarray(_score_one(job)) for job in jobs]
    # Longest files first so the pool finishes together.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(order, pool.map(_score_one, [jobs[i] for i in order]), strict=True))
    return [np.asarray(done[i]) for i in range(len(jobs))]


def evaluate(nab_dir: Path, config: DetectorConfig | None = None, workers: int | None = None) -> NabResult:
    config = config or DetectorConfig()
    files = load_corpus(nab_dir)
    started = time.perf_counter()
    scores = detector_scores(files, config, workers)
    seconds = time.perf_counter() - started
    floors = [np.asarray(onset_floor(s.tolist(), config.quiet)) for s in scores]
    return score_corpus("opsgraph", files, scores, floors, config.threshold, seconds)


def score_corpus(
    detector: str,
    files: Sequence[NabFile],
    scores: Sequence[FloatArray],
    floors: Sequence[FloatArray | None],
    default_threshold: float,
    seconds: float = 0.0,
) -> NabResult:
    labels = [f.labels for f in files]
    by_profile = {name: optimise_threshold(labels, scores, floors, p) for name, p in PROFILES.items()}
    uncapped = [replace(lab, probation=probation_rows(lab.n_rows, capped=False)) for lab in labels]
    return NabResult(
        detector=detector,
        by_profile=by_profile,
        per_row=optimise_threshold(labels, scores, None),
        uncapped=optimise_threshold(uncapped, scores, floors),
        at_default=score_at(labels, scores, floors, default_threshold),
        leave_one_out=_leave_one_out(files, scores, floors),
        seconds=seconds,
        points=sum(len(s) for s in scores),
    )


def _leave_one_out(
    files: Sequence[NabFile], scores: Sequence[FloatArray], floors: Sequence[FloatArray | None]
) -> float:
    labels = [f.labels for f in files]
    raw = 0.0
    for i in range(len(files)):
        rest = [j for j in range(len(files)) if j != i]
        chosen = optimise_threshold([labels[j] for j in rest], [scores[j] for j in rest], [floors[j] for j in rest])
        raw += score_at([labels[i]], [scores[i]], [floors[i]], chosen.threshold).raw
    return normalise(raw, null_score(labels), perfect_score(labels))
