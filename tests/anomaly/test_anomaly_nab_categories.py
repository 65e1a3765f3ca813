"""Leave one NAB category out, on hand-made categories: no category chooses its own threshold,
and a category with no anomaly window is scored by its false positives instead of crashing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from opsgraph.evals.nab.corpus import NabFile
from opsgraph.evals.nab.scoring import LabelledFile
from opsgraph.evals.nab.sweep import score_at
from opsgraph.tools.anomaly.series import Series

N = 1000


def _file(key: str, windows: tuple[tuple[int, int], ...], peaks: dict[int, float]) -> tuple[NabFile, np.ndarray]:
    """Rows 5 minutes apart, score 0.1 except at `peaks`."""
    series = Series(key, tuple(float(i * 300) for i in range(N)), (0.0,) * N, ("",) * N)
    scores = np.full(N, 0.1)
    for row, value in peaks.items():
        scores[row] = value
    return NabFile(key, series, LabelledFile(key, N, windows, 100)), scores


def _corpus() -> tuple[list[NabFile], list[np.ndarray]]:
    made = [
        # "a": anomalies score 0.9; "b": anomalies score 0.6 and a false alarm at 0.7; "quiet": no window.
        _file("a/one.csv", ((300, 349),), {300: 0.9}),
        _file("a/two.csv", ((600, 649),), {610: 0.9}),
        _file("b/one.csv", ((300, 349),), {305: 0.6, 800: 0.7}),
        _file("quiet/flat.csv", (), {500: 0.95}),
    ]
    return [f for f, _ in made], [s for _, s in made]


def test_each_category_is_scored_at_a_threshold_chosen_without_it() -> None:
    from opsgraph.evals.nab.categories import leave_one_category_out

    files, scores = _corpus()
    result = leave_one_category_out(files, scores, refractories=(0.0,))
    by_name = {c.category: c for c in result.categories}
    assert set(by_name) == {"a", "b", "quiet"}
    # "b" held out: "a" and "quiet" choose a threshold in (0.1, 0.9], which catches a's anomalies;
    # ties keep the highest, 0.9, which misses b's anomaly at 0.6. Tuned on itself, b would have
    # caught it (0.6 <= t < 0.7).
    assert by_name["b"].threshold == 0.9 and by_name["b"].fn == 1
    assert by_name["b"].in_sample > by_name["b"].score
    tuned_on_b = score_at([files[2].labels], [scores[2]], [None], 0.6)
    assert tuned_on_b.files[0].fn == 0


def test_a_category_without_windows_reports_false_positives_not_a_crash() -> None:
    from opsgraph.evals.nab.categories import leave_one_category_out, number

    files, scores = _corpus()
    quiet = {c.category: c for c in leave_one_category_out(files, scores, refractories=(0.0,)).categories}["quiet"]
    assert math.isnan(quiet.score) and number(quiet.score) is None
    assert quiet.fp == 1 and quiet.raw < 0 and quiet.fn == 0


def test_the_pooled_score_is_normalised_over_the_whole_corpus() -> None:
    from opsgraph.evals.nab.categories import leave_one_category_out

    files, scores = _corpus()
    result = leave_one_category_out(files, scores, refractories=(0.0,))
    assert not math.isnan(result.pooled)
    assert result.in_sample >= result.pooled  # choosing on the scored files can only flatter


def test_categories_are_the_listed_folders(tmp_path: Path) -> None:
    import json

    from opsgraph.evals.nab.categories import categories

    for name in ("realA", "artificialNoAnomaly", "unlisted"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.csv").write_text("timestamp,value\n2015-01-01 00:00:00,1\n")
    windows = {"realA/x.csv": [["2015-01-01 00:00:00", "2015-01-01 00:00:00"]], "artificialNoAnomaly/x.csv": []}
    (tmp_path / "combined_windows.json").write_text(json.dumps(windows))
    assert categories(tmp_path) == ["artificialNoAnomaly", "realA"]
