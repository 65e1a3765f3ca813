"""Leave one NAB category out: the detector's settings are chosen on five categories and scored
on the sixth.

NAB itself optimises one threshold over the very files it scores; that number says little
about a user's series (issue 19). Here every category's detections come from settings its own
files had no say in. Two settings are chosen per fold and per cost profile, jointly, on the
other categories: the alarm threshold and the refractory period after an alarm (from
`REFRACTORIES`, fixed a priori in operational units). Everything else in the detector is a
priori (tools/anomaly/README.md) and the same in every fold.

Detections are the alarms the streaming detector would raise at those settings
(evals/nab/alarms.py). The headline is pooled, the way NAB pools a corpus: the held-out raw
scores of all categories summed, normalised between the corpus's null and perfect detectors.
Each category's own normalised score is reported too; a category with no anomaly window
(artificialNoAnomaly) has no normalised score (NaN -> None), only its false positives and their
raw cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from opsgraph.evals.nab.alarms import GRID, raw_table
from opsgraph.evals.nab.corpus import CorpusError, NabFile, load_corpus, load_windows
from opsgraph.evals.nab.scoring import (
    PROFILES,
    STANDARD,
    CostProfile,
    FloatArray,
    LabelledFile,
    normalise,
    null_score,
    perfect_score,
)
from opsgraph.tools.anomaly.detector import DetectorConfig

HOUR = 3600.0
# A priori: Alertmanager's default repeat_interval, half a day, a day. The first is the default
# when choices tie (see `_choose`).
REFRACTORIES: tuple[float, ...] = (12 * HOUR, 4 * HOUR, 24 * HOUR)


@dataclass(frozen=True)
class HeldOut:
    category: str
    files: int
    threshold: float  # chosen on the other categories
    refractory_s: float  # chosen on the other categories
    raw: float
    score: float  # NaN when the category has no window
    in_sample: float  # settings chosen on this category itself (how much choosing on it flatters)
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True)
class LocoResult:
    profile: str
    pooled: float
    categories: tuple[HeldOut, ...]
    in_sample: float  # one choice over everything, NAB's own protocol

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


Tables = dict[float, dict[str, FloatArray]]  # refractory -> profile -> (files x GRID) raw scores


def alarm_tables(
    files: Sequence[NabFile],
    scores: Sequence[FloatArray],
    refractories: Sequence[float] = REFRACTORIES,
    profiles: Sequence[CostProfile] = tuple(PROFILES.values()),
) -> Tables:
    labels = [f.labels for f in files]
    times = [np.asarray(f.series.timestamps, dtype=float) for f in files]
    return {r: raw_table(labels, times, scores, r, profiles) for r in refractories}


def _choose(tables: Tables, profile: str, rows: Sequence[int]) -> tuple[float, int]:
    """(refractory, threshold index) with the highest summed raw score over `rows`; ties keep the
    first refractory listed and the higher threshold."""
    best: tuple[float, float, int] = (-math.inf, 0.0, 0)
    for refractory, by_profile in tables.items():
        summed = by_profile[profile][list(rows)].sum(axis=0)
        k = int(np.argmax(summed))  # GRID is descending: the first maximum is the highest threshold
        if summed[k] > best[0]:
            best = (float(summed[k]), refractory, k)
    return best[1], best[2]


def leave_one_category_out(
    files: Sequence[NabFile],
    scores: Sequence[FloatArray],
    profile: CostProfile = STANDARD,
    refractories: Sequence[float] = REFRACTORIES,
    tables: Tables | None = None,
) -> LocoResult:
    tables = tables if tables is not None else alarm_tables(files, scores, refractories, [profile])
    labels = [f.labels for f in files]
    category = [f.key.split("/")[0] for f in files]
    if len(set(category)) < 2:
        raise CorpusError("leave-one-category-out needs at least two NAB categories")
    held: list[HeldOut] = []
    pooled_raw = 0.0
    for name in sorted(set(category)):
        train = [i for i, c in enumerate(category) if c != name]
        test = [i for i, c in enumerate(category) if c == name]
        refractory, k = _choose(tables, profile.name, train)
        raw = float(tables[refractory][profile.name][test, k].sum())
        own_r, own_k = _choose(tables, profile.name, test)
        own_raw = float(tables[own_r][profile.name][test, own_k].sum())
        pooled_raw += raw
        counts = _counts(
            [labels[i] for i in test], [files[i] for i in test], [scores[i] for i in test], GRID[k], refractory
        )
        held.append(
            HeldOut(
                category=name,
                files=len(test),
                threshold=float(GRID[k]),
                refractory_s=refractory,
                raw=raw,
                score=_normalised(raw, [labels[i] for i in test], profile),
                in_sample=_normalised(own_raw, [labels[i] for i in test], profile),
                **counts,
            )
        )
    pooled = _normalised(pooled_raw, labels, profile)
    all_r, all_k = _choose(tables, profile.name, range(len(files)))
    everything = _normalised(float(tables[all_r][profile.name][:, all_k].sum()), labels, profile)
    return LocoResult(profile.name, pooled, tuple(held), everything)


def _normalised(raw: float, labels: Sequence[LabelledFile], profile: CostProfile) -> float:
    return normalise(raw, null_score(labels, profile), perfect_score(labels, profile))


def _counts(
    labels: Sequence[LabelledFile],
    files: Sequence[NabFile],
    scores: Sequence[FloatArray],
    threshold: float,
    refractory: float,
) -> dict[str, int]:
    """TP / FP / FN of the alarms at the chosen settings (scored rows only)."""
    from opsgraph.evals.nab.alarms import refractory_alarms
    from opsgraph.evals.nab.scoring import score_detections

    tp = fp = fn = 0
    for lab, f, s in zip(labels, files, scores, strict=True):
        detected = np.zeros(lab.n_rows, dtype=bool)
        detected[refractory_alarms(np.asarray(f.series.timestamps, dtype=float), s, threshold, refractory)] = True
        result = score_detections(lab, detected)
        tp, fp, fn = tp + result.tp, fp + result.fp, fn + result.fn
    return {"tp": tp, "fp": fp, "fn": fn}


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
    tables = alarm_tables(files, scores)
    results = {name: leave_one_category_out(files, scores, p, tables=tables) for name, p in PROFILES.items()}
    points = sum(len(s) for s in scores)
    return results, {
        "files": len(files),
        "points": points,
        "seconds": round(seconds, 1),
        "scoring_seconds": round(time.perf_counter() - started - seconds, 1),
    }


def number(value: float, digits: int = 2) -> float | None:
    """JSON-safe: NaN (undefined) becomes None."""
    return None if math.isnan(value) else round(value, digits)
