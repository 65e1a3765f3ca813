"""Leave one NAB category out: the threshold is chosen on five categories and scored on the sixth.

NAB itself optimises one threshold over the very files it scores; that number says little
about a user's series (issue 19). Here every category's detections come from a threshold its
own files had no say in. The detector's settings are a priori (tools/anomaly/README.md) and the
same for every fold; only the threshold is chosen, per fold and per cost profile.

The headline is pooled, the way NAB pools a corpus: the held-out raw scores of all categories
summed, normalised between the corpus's null and perfect detectors. Each category's own
normalised score is reported too; a category with no anomaly window (artificialNoAnomaly) has
no normalised score (NaN -> None), only its false positives and their raw cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from opsgraph.evals.nab.corpus import CorpusError, NabFile, load_corpus, load_windows
from opsgraph.evals.nab.scoring import PROFILES, CostProfile, FloatArray, normalise, null_score, perfect_score
from opsgraph.evals.nab.sweep import optimise_threshold, score_at
from opsgraph.tools.anomaly.detector import DetectorConfig
from opsgraph.tools.anomaly.periods import onset_floor


@dataclass(frozen=True)
class HeldOut:
    category: str
    files: int
    threshold: float  # chosen on the other categories
    raw: float
    score: float  # NaN when the category has no window
    in_sample: float  # threshold chosen on this category itself (how much choosing on it flatters)
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True)
class LocoResult:
    profile: str
    pooled: float
    categories: tuple[HeldOut, ...]
    in_sample: float  # one threshold over everything, NAB's own protocol

    @property
    def mean(self) -> float:
        defined = [c.score for c in self.categories if not math.isnan(c.score)]
        return sum(defined) / len(defined) if defined else math.nan


def categories(nab_dir: Path) -> list[str]:
    """Every folder of CSVs that combined_windows.json lists."""
    listed = {key.split("/")[0] for key in load_windows(nab_dir / "combined_windows.json")}
    found = sorted(p.name for p in nab_dir.iterdir() if p.is_dir() and p.name in listed and any(p.glob("*.csv")))
    if not found:
        raise CorpusError(f"{nab_dir}: no category folder listed in combined_windows.json")
    return found


def leave_one_category_out(
    files: Sequence[NabFile],
    scores: Sequence[FloatArray],
    floors: Sequence[FloatArray | None],
    profile: CostProfile = PROFILES["standard"],
) -> LocoResult:
    labels = [f.labels for f in files]
    category = [f.key.split("/")[0] for f in files]
    held: list[HeldOut] = []
    pooled_raw = 0.0
    for name in sorted(set(category)):
        train = [i for i, c in enumerate(category) if c != name]
        test = [i for i, c in enumerate(category) if c == name]
        if not train:
            raise CorpusError("leave-one-category-out needs at least two NAB categories")
        chosen = optimise_threshold(
            [labels[i] for i in train], [scores[i] for i in train], [floors[i] for i in train], profile
        )
        parts = ([labels[i] for i in test], [scores[i] for i in test], [floors[i] for i in test])
        result = score_at(*parts, chosen.threshold, profile)
        own = optimise_threshold(*parts, profile)
        pooled_raw += result.raw
        held.append(
            HeldOut(
                category=name,
                files=len(test),
                threshold=chosen.threshold,
                raw=result.raw,
                score=result.score,
                in_sample=own.score,
                tp=sum(f.tp for f in result.files),
                fp=sum(f.fp for f in result.files),
                fn=sum(f.fn for f in result.files),
            )
        )
    pooled = normalise(pooled_raw, null_score(labels, profile), perfect_score(labels, profile))
    everything = optimise_threshold(labels, scores, floors, profile)
    return LocoResult(profile.name, pooled, tuple(held), everything.score)


def evaluate_categories(
    nab_dir: Path, config: DetectorConfig | None = None, workers: int | None = None
) -> tuple[dict[str, LocoResult], dict[str, Any]]:
    """Stream every file of every category through a fresh detector, then score each profile
    leave-one-category-out. Returns the results and run facts (points, seconds)."""
    from opsgraph.evals.nab.evaluate import detector_scores

    config = config or DetectorConfig()
    files = [f for name in categories(nab_dir) for f in load_corpus(nab_dir, name)]
    started = time.perf_counter()
    scores = detector_scores(files, config, workers)
    seconds = time.perf_counter() - started
    floors: list[FloatArray | None] = [np.asarray(onset_floor(s.tolist(), config.quiet)) for s in scores]
    results = {name: leave_one_category_out(files, scores, floors, p) for name, p in PROFILES.items()}
    points = sum(len(s) for s in scores)
    return results, {"files": len(files), "points": points, "seconds": round(seconds, 1)}


def number(value: float, digits: int = 2) -> float | None:
    """JSON-safe: NaN (undefined) becomes None."""
    return None if math.isnan(value) else round(value, digits)
