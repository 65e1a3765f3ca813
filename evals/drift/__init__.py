"""Drift detection power and false alarms on the project's own synthetic shifts.

Every case is a reference sample and a *fresh* current sample from the same generator
(`opsgraph.tools.models.synthetic.wide_frame`, 12 numeric + 3 categorical columns, 2,000 rows
each), to which a known shift is applied (or none). A column's truth is whether it was shifted.

- Column power: share of shifted columns flagged. Column false alarms: share of unshifted columns
  flagged (fresh samples included, so sampling noise is what it has to ignore).
- Dataset alarm: any column flagged. Its false-alarm rate on the no-shift cases, and its detection
  rate on the shifted ones; also Evidently's dataset verdict (share >= 0.5) for reference.

The per-method thresholds are chosen on the TUNING seeds only (grid search: the most column
power with column false alarms <= 1%); the REPORT seeds, which chose nothing, score both the
tuned thresholds and Evidently's defaults (the ones the product ships).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from opsgraph.evals.base import EvalReport, Metric

TUNING_SEEDS = range(0, 24)
REPORT_SEEDS = range(1000, 1024)
ROWS = 2000
MAX_COLUMN_FALSE_ALARMS = 0.01
W_GRID = (0.05, 0.075, 0.1, 0.125, 0.15, 0.2)
JS_GRID = (0.05, 0.075, 0.1, 0.15)


def _shifts() -> list[Any]:
    from opsgraph.tools.models.synthetic import Shift

    return [
        Shift("none"),
        Shift("none"),
        Shift("mean", 1, 0.1),
        Shift("mean", 3, 0.25),
        Shift("mean", 8, 0.5),
        Shift("scale", 3, 0.3),
        Shift("category", 2, 0.1),
        Shift("category", 2, 0.25),
    ]


Scored = list[tuple[list[tuple[str, float, bool]], bool]]  # per case: (method, score, shifted) per column


def _cases(seeds: range) -> Scored:
    """Each case's column scores, computed once at the default thresholds (a score does not depend
    on the threshold, so any threshold is applied afterwards)."""
    from opsgraph.tools.models.drift import dataset_drift
    from opsgraph.tools.models.synthetic import apply_shift, wide_frame

    cases: Scored = []
    for seed in seeds:
        for k, shift in enumerate(_shifts()):
            reference = wide_frame(ROWS, seed * 100 + k, numeric=12, categorical=3)
            fresh = wide_frame(ROWS, 10_000_000 + seed * 100 + k, numeric=12, categorical=3)
            current = apply_shift(fresh, shift, seed)
            changed = {c for c in current.columns if not current[c].equals(fresh[c])}
            result = dataset_drift(reference, current)
            columns = [(d.method, d.score, name in changed) for name, d in result.columns.items()]
            cases.append((columns, bool(changed)))
    return cases


def _flagged(method: str, score: float, thresholds: dict[str, float]) -> bool:
    from opsgraph.tools.models.drift import DEFAULT_THRESHOLDS, P_VALUE_METHODS

    limit = thresholds.get(method, DEFAULT_THRESHOLDS[method])
    if method in P_VALUE_METHODS:
        return score <= limit if method == "K-S p_value" else score < limit
    return score >= limit


def _score(cases: Scored, thresholds: dict[str, float], share: float = 0.5) -> dict[str, float]:
    hits = shifted = alarms = quiet = 0
    null_cases = null_alarms = shifted_cases = shifted_found = share_found = share_null = 0
    for columns, any_shift in cases:
        flags = [(_flagged(m, s, thresholds), truth) for m, s, truth in columns]
        hits += sum(f and t for f, t in flags)
        shifted += sum(t for _, t in flags)
        alarms += sum(f and not t for f, t in flags)
        quiet += sum(not t for _, t in flags)
        flagged = sum(f for f, _ in flags)
        by_share = flagged / max(len(flags), 1) >= share
        if any_shift:
            shifted_cases += 1
            shifted_found += flagged > 0
            share_found += by_share
        else:
            null_cases += 1
            null_alarms += flagged > 0
            share_null += by_share
    return {
        "column_power": hits / max(shifted, 1),
        "column_false_alarms": alarms / max(quiet, 1),
        "dataset_detection": shifted_found / max(shifted_cases, 1),
        "dataset_false_alarms": null_alarms / max(null_cases, 1),
        "share_rule_detection": share_found / max(shifted_cases, 1),
        "share_rule_false_alarms": share_null / max(null_cases, 1),
    }


def tune(cases: Scored) -> dict[str, float]:
    best: tuple[float, dict[str, float]] | None = None
    for w, js in itertools.product(W_GRID, JS_GRID):
        thresholds = {"Wasserstein distance (normed)": w, "Jensen-Shannon distance": js}
        scored = _score(cases, thresholds)
        if scored["column_false_alarms"] <= MAX_COLUMN_FALSE_ALARMS and (
            best is None or scored["column_power"] > best[0]
        ):
            best = (scored["column_power"], thresholds)
    assert best is not None, "no threshold pair keeps false alarms under the limit"
    return best[1]


def run(data_dir: Path | None = None) -> EvalReport:
    """Needs no public data: the generator is the project's own."""
    from opsgraph.tools.models.drift import DEFAULT_THRESHOLDS

    tuned = tune(_cases(TUNING_SEEDS))
    report_cases = _cases(REPORT_SEEDS)
    shipped = _score(report_cases, {})
    with_tuned = _score(report_cases, tuned)
    metrics = [
        Metric(name="column_power", value=round(shipped["column_power"], 4), threshold=0.7),
        Metric(
            name="column_false_alarms",
            value=round(shipped["column_false_alarms"], 4),
            threshold=0.02,
            higher_is_better=False,
        ),
        Metric(name="dataset_detection", value=round(shipped["dataset_detection"], 4), threshold=0.8),
        Metric(
            name="dataset_false_alarms",
            value=round(shipped["dataset_false_alarms"], 4),
            threshold=0.1,
            higher_is_better=False,
        ),
    ]
    details = {
        "shipped_thresholds": {k: v for k, v in DEFAULT_THRESHOLDS.items() if "distance" in k},
        "shipped_on_report_seeds": shipped,
        "tuned_thresholds_chosen_on_tuning_seeds": tuned,
        "tuned_on_report_seeds": with_tuned,
        "tuning_seeds": [TUNING_SEEDS.start, TUNING_SEEDS.stop - 1],
        "report_seeds": [REPORT_SEEDS.start, REPORT_SEEDS.stop - 1],
        "cases_per_seed": [f"{s.kind}:{s.columns}x{s.size}" for s in _shifts()],
        "rows_per_side": ROWS,
    }
    return EvalReport(suite="drift", metrics=metrics, details=details)
