"""The same drift verdicts computed by Evidently 0.7 itself: the reference implementation the fast
engine is checked against, and the engine behind `drift_engine=evidently`. Also writes Evidently's
HTML report. Evidently is imported here only (about 8 s)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgraph.tools.models.drift import P_VALUE_METHODS, ColumnDrift, DriftResult
from opsgraph.tools.models.frames import column_kind

if TYPE_CHECKING:
    import pandas as pd

_VALUE_DRIFT = re.compile(r"^ValueDrift\(column=(?P<column>.+),method=(?P<method>.+),threshold=(?P<threshold>[^)]+)\)$")


def run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    threshold_share: float = 0.5,
    html: Path | None = None,
) -> DriftResult:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from evidently import Report
    from evidently.presets import DataDriftPreset

    names = columns if columns is not None else [str(c) for c in reference.columns if c in current.columns]
    report = Report([DataDriftPreset(columns=names, drift_share=threshold_share)])
    snapshot = report.run(current[names], reference[names])  # Evidently 0.7: current first
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(html))
    return from_snapshot(snapshot.dict(), reference, current, threshold_share)


def from_snapshot(
    document: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame, threshold_share: float
) -> DriftResult:
    results: dict[str, ColumnDrift] = {}
    share = 0.0
    for metric in document["metrics"]:
        name = metric["metric_name"]
        if name.startswith("DriftedColumnsCount"):
            share = float(metric["value"]["share"])
            continue
        match = _VALUE_DRIFT.match(name)
        if not match:
            continue
        column, method = match["column"], match["method"]
        threshold, score = float(match["threshold"]), float(metric["value"])
        if method in P_VALUE_METHODS:
            drift = score <= threshold if method == "K-S p_value" else score < threshold
        else:
            drift = score >= threshold
        results[column] = ColumnDrift(column, column_kind(reference[column]), method, score, threshold, drift)
    return DriftResult(
        columns=results,
        dataset_drift=bool(results) and share >= threshold_share,
        drift_share=share,
        threshold_share=threshold_share,
        engine="evidently",
        rows_reference=len(reference),
        rows_current=len(current),
    )
