"""Per-column and dataset drift: the tests Evidently 0.7's DataDriftPreset picks by default,
computed directly with numpy/scipy (the "fast" engine).

Evidently spends ~8 s importing and ~10 s of overhead per 100k x 20 frame; the statistics
themselves take well under a second. The method choice mirrors
`evidently.legacy.calculations.stattests.registry._get_default_stattest`:

| reference rows | column | values | method (default threshold) |
|---|---|---|---|
| <= 1000 | numerical | > 5 | K-S p-value (0.05) |
| <= 1000 | numerical <= 5, categorical | > 2 | chi-square p-value (0.05) |
| <= 1000 | numerical <= 5, categorical | <= 2 | Z-test p-value (0.05) |
| > 1000 | numerical | > 5 | Wasserstein distance normed by the reference std (0.1) |
| > 1000 | numerical <= 5, categorical | any | Jensen-Shannon distance (0.1) |

p-value methods drift when the p-value is below the threshold; distances when at or above it.
A dataset drifts when the share of drifted columns reaches `dataset_drift_share` (0.5).
benchmarks/bench_drift.py checks that the verdicts agree with Evidently's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsgraph.tools.models.frames import Kind, column_kind

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SMALL_REFERENCE = 1000
P_VALUE_METHODS = {"K-S p_value", "chi-square p_value", "Z-test p_value"}
DEFAULT_THRESHOLDS = {
    "K-S p_value": 0.05,
    "chi-square p_value": 0.05,
    "Z-test p_value": 0.05,
    "Wasserstein distance (normed)": 0.1,
    "Jensen-Shannon distance": 0.1,
}


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: Kind
    method: str
    score: float
    threshold: float
    drift: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "score": round(self.score, 6),
            "threshold": self.threshold,
            "drift": self.drift,
        }


@dataclass(frozen=True)
class DriftResult:
    columns: dict[str, ColumnDrift]
    dataset_drift: bool
    drift_share: float  # share of checked columns that drifted
    threshold_share: float
    engine: str
    rows_reference: int
    rows_current: int
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it was not tested

    @property
    def drifted(self) -> list[str]:
        return [c for c, d in self.columns.items() if d.drift]

    def to_json(self) -> dict[str, Any]:
        """The `opsgraph drift check --json` contract (plus a few extras)."""
        return {
            "dataset_drift": self.dataset_drift,
            "drift_share": round(self.drift_share, 6),
            "columns": {c: d.to_json() for c, d in self.columns.items()},
            "drifted_columns": self.drifted,
            "dataset_drift_threshold": self.threshold_share,
            "engine": self.engine,
            "rows": {"reference": self.rows_reference, "current": self.rows_current},
            "skipped_columns": self.skipped,
        }


def choose_method(kind: Kind, reference_rows: int, n_values: int) -> str:
    if reference_rows <= SMALL_REFERENCE:
        if kind == "numerical" and n_values > 5:
            return "K-S p_value"
        return "chi-square p_value" if n_values > 2 else "Z-test p_value"
    if kind == "numerical" and n_values > 5:
        return "Wasserstein distance (normed)"
    return "Jensen-Shannon distance"


def column_drift(
    name: str, reference: pd.Series, current: pd.Series, kind: Kind, thresholds: dict[str, float] | None = None
) -> ColumnDrift:
    """`thresholds`: method name -> threshold, overriding DEFAULT_THRESHOLDS."""
    import numpy as np
    import pandas as pd

    ref = reference.replace([np.inf, -np.inf], np.nan).dropna()
    cur = current.replace([np.inf, -np.inf], np.nan).dropna()
    n_values = int(pd.concat([ref, cur], ignore_index=True).nunique())
    method = choose_method(kind, len(ref), n_values)
    limit = (thresholds or {}).get(method, DEFAULT_THRESHOLDS[method])
    score = _score(method, ref, cur)
    drift = (
        (score < limit if method != "K-S p_value" else score <= limit) if method in P_VALUE_METHODS else score >= limit
    )
    return ColumnDrift(name, kind, method, float(score), limit, bool(drift))


def _score(method: str, ref: pd.Series, cur: pd.Series) -> float:
    from scipy import stats
    from scipy.spatial import distance

    if method == "Wasserstein distance (normed)":
        r, c = _floats(ref), _floats(cur)
        norm = max(float(r.std()), 0.001)
        return float(stats.wasserstein_distance(r, c)) / norm
    if method == "K-S p_value":
        return float(stats.ks_2samp(_floats(ref), _floats(cur))[1])
    keys, ref_share, cur_share = _shares(ref, cur)
    if method == "Jensen-Shannon distance":
        return float(distance.jensenshannon(ref_share, cur_share))
    if method == "chi-square p_value":
        expected = ref_share * len(cur)
        observed = cur_share * len(cur)
        return float(stats.chisquare(observed, expected)[1])
    return _z_test(ref, cur, keys)


def _floats(series: pd.Series) -> np.ndarray:
    import numpy as np

    return np.asarray(series, dtype=float)


def _shares(ref: pd.Series, cur: pd.Series) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Share of each value (union of both sides) among all rows of each side."""
    import numpy as np

    ref_counts, cur_counts = ref.value_counts(), cur.value_counts()
    keys = list(dict.fromkeys([*ref_counts.index, *cur_counts.index]))
    ref_share = np.array([ref_counts.get(k, 0) for k in keys], dtype=float) / max(len(ref), 1)
    cur_share = np.array([cur_counts.get(k, 0) for k in keys], dtype=float) / max(len(cur), 1)
    return keys, ref_share, cur_share


def _z_test(ref: pd.Series, cur: pd.Series, keys: list[Any]) -> float:
    import numpy as np
    from scipy.stats import norm

    if ref.nunique() == 1 and cur.nunique() == 1 and ref.iloc[0] == cur.iloc[0]:
        return 1.0
    first = sorted(keys)[0]
    p1, p2 = float((ref != first).mean()), float((cur != first).mean())
    pooled = (p1 * len(ref) + p2 * len(cur)) / (len(ref) + len(cur))
    spread = np.sqrt(pooled * (1 - pooled) * (1 / len(ref) + 1 / len(cur)))
    if spread == 0:
        return 1.0
    return float(2 * (1 - norm.cdf(abs((p1 - p2) / spread))))


def dataset_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    threshold_share: float = 0.5,
    thresholds: dict[str, float] | None = None,
) -> DriftResult:
    """Drift of every column the two frames share (or of `columns`); kinds come from the reference.
    `thresholds`: method name -> threshold (default: Evidently's)."""
    names = columns if columns is not None else [str(c) for c in reference.columns if c in current.columns]
    results: dict[str, ColumnDrift] = {}
    skipped: dict[str, str] = {}
    for name in names:
        kind = column_kind(reference[name])
        if kind in ("text", "unknown"):
            skipped[name] = "free text or an identifier" if kind == "text" else "type not supported"
            continue
        ref, cur = reference[name], current[name]
        if ref.dropna().empty or cur.dropna().empty:
            skipped[name] = "no values on one side"
            continue
        results[name] = column_drift(name, ref, cur, kind, thresholds)
    share = sum(d.drift for d in results.values()) / len(results) if results else 0.0
    return DriftResult(
        columns=results,
        dataset_drift=bool(results) and share >= threshold_share,
        drift_share=share,
        threshold_share=threshold_share,
        engine="fast",
        rows_reference=len(reference),
        rows_current=len(current),
        skipped=skipped,
    )
