"""Per-column and dataset drift: the tests Evidently 0.7's DataDriftPreset picks by default,
computed directly with numpy/scipy (the "fast" engine), plus a dataset rule with a
multiple-testing correction.

Per column, the method choice mirrors
`evidently.legacy.calculations.stattests.registry._get_default_stattest`:

| reference rows | column | values | method (default threshold) |
|---|---|---|---|
| <= 1000 | numerical | > 5 | K-S p-value (0.05) |
| <= 1000 | numerical <= 5, categorical | > 2 | chi-square p-value (0.05) |
| <= 1000 | numerical <= 5, categorical | <= 2 | Z-test p-value (0.05) |
| > 1000 | numerical | > 5 | Wasserstein distance normed by the reference std (0.1) |
| > 1000 | numerical <= 5, categorical | any | Jensen-Shannon distance (0.1) |

p-value methods drift when the p-value is below the threshold; distances when at or above it.
That per-column verdict (`drift`) is Evidently's, and `drift_share` is the share of columns with it.

The dataset verdict (`dataset_rule`):
- `corrected` (default): every column also gets a two-sample test p-value (Kolmogorov-Smirnov for
  numbers, chi-square test of homogeneity for categories), the p-values are corrected with
  Benjamini-Hochberg at level `fdr`; the dataset drifts when any column is significant after the
  correction, or drifts by Evidently's verdict where that verdict is a distance (an effect size;
  Evidently's p-value verdicts on small samples are uncorrected, so there the corrected test
  replaces them). The level (and the choice of this rule) was made
  on the drift eval's tuning seeds (`opsgraph.evals.drift`), never on its report seeds.
- `share`: Evidently's rule, the share of drifted columns reaches `threshold_share` (0.5).

Numbers are sorted once per side and every statistic comes from the two sorted arrays (no pandas
copies, no re-sorting inside scipy): about 0.2 s per 1M-row column. benchmarks/bench_drift.py
checks that verdicts and scores agree with Evidently's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from opsgraph.tools.models.frames import Kind, column_kind

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DatasetRule = Literal["corrected", "share"]
SMALL_REFERENCE = 1000
EXACT_KS_LIMIT = 10_000  # scipy's ks_2samp(method="auto") is exact up to here, asymptotic beyond
P_VALUE_METHODS = {"K-S p_value", "chi-square p_value", "Z-test p_value"}
DEFAULT_THRESHOLDS = {
    "K-S p_value": 0.05,
    "chi-square p_value": 0.05,
    "Z-test p_value": 0.05,
    "Wasserstein distance (normed)": 0.1,
    "Jensen-Shannon distance": 0.1,
}
DEFAULT_FDR = 0.005  # chosen on the drift eval's tuning seeds 0-23 (see opsgraph.evals.drift)


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: Kind
    method: str
    score: float
    threshold: float
    drift: bool  # Evidently's verdict
    p_value: float = 1.0  # two-sample test for the dataset rule (K-S or chi-square homogeneity)
    test: str = ""
    significant: bool = False  # after the Benjamini-Hochberg correction over all columns

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "score": round(self.score, 6),
            "threshold": self.threshold,
            "drift": self.drift,
            "test": self.test,
            "p_value": float(f"{self.p_value:.6g}"),
            "significant": self.significant,
        }


@dataclass(frozen=True)
class DriftResult:
    columns: dict[str, ColumnDrift]
    dataset_drift: bool
    drift_share: float  # share of checked columns that drifted (Evidently's verdict)
    threshold_share: float
    engine: str
    rows_reference: int
    rows_current: int
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it was not tested
    rule: DatasetRule = "share"
    fdr: float = DEFAULT_FDR

    @property
    def drifted(self) -> list[str]:
        """The columns that make the dataset verdict."""
        return [c for c, d in self.columns.items() if counts(d, self.rule)]

    @property
    def share_rule_drift(self) -> bool:
        """Evidently's own dataset verdict."""
        return bool(self.columns) and self.drift_share >= self.threshold_share

    def to_json(self) -> dict[str, Any]:
        """The `opsgraph drift check --json` contract (plus a few extras)."""
        rule: dict[str, Any] = {"name": self.rule}
        rule |= {"fdr": self.fdr} if self.rule == "corrected" else {"share": self.threshold_share}
        return {
            "dataset_drift": self.dataset_drift,
            "drift_share": round(self.drift_share, 6),
            "columns": {c: d.to_json() for c, d in self.columns.items()},
            "drifted_columns": self.drifted,
            "dataset_rule": rule,
            "dataset_drift_threshold": self.threshold_share,
            "evidently_dataset_drift": self.share_rule_drift,
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


def _verdict(method: str, score: float, limit: float) -> bool:
    if method in P_VALUE_METHODS:
        return score <= limit if method == "K-S p_value" else score < limit
    return score >= limit


def column_drift(
    name: str, reference: pd.Series, current: pd.Series, kind: Kind, thresholds: dict[str, float] | None = None
) -> ColumnDrift:
    """`thresholds`: method name -> threshold, overriding DEFAULT_THRESHOLDS. `significant` is
    left False: it needs every column's p-value (see `dataset_drift`)."""
    if kind == "numerical" and reference.dtype.kind in "iuf" and current.dtype.kind in "iuf":
        ref_sorted, cur_sorted = _sorted_finite(reference), _sorted_finite(current)
        if _more_than(ref_sorted, cur_sorted, 5):
            return _numeric(name, kind, ref_sorted, cur_sorted, thresholds)
    return _categorical(name, kind, reference, current, thresholds)


# -- numbers ------------------------------------------------------------------------------------
def _sorted_finite(series: pd.Series) -> np.ndarray:
    import numpy as np

    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    values.sort()
    return values


def _distinct(sorted_values: np.ndarray) -> np.ndarray:
    import numpy as np

    if sorted_values.size == 0:
        return sorted_values
    keep = np.empty(sorted_values.size, dtype=bool)
    keep[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=keep[1:])
    return sorted_values[keep]


def _more_than(ref_sorted: np.ndarray, cur_sorted: np.ndarray, limit: int) -> bool:
    """Do both sides together hold more than `limit` distinct values?"""
    import numpy as np

    ref_values = _distinct(ref_sorted)
    if ref_values.size > limit:
        return True
    return int(np.union1d(ref_values, _distinct(cur_sorted)).size) > limit


def _numeric(
    name: str, kind: Kind, ref: np.ndarray, cur: np.ndarray, thresholds: dict[str, float] | None
) -> ColumnDrift:
    """Wasserstein (normed) or K-S p-value, and the K-S test, from the two sorted samples."""
    import numpy as np
    from scipy import stats

    method = choose_method(kind, ref.size, 6)
    limit = (thresholds or {}).get(method, DEFAULT_THRESHOLDS[method])
    both = np.concatenate([ref, cur])
    both.sort(kind="stable")  # two sorted runs: a merge
    ref_cdf = np.searchsorted(ref, both, side="right") / ref.size
    cur_cdf = np.searchsorted(cur, both, side="right") / cur.size
    gap = np.abs(ref_cdf - cur_cdf)
    d = float(gap.max())
    if max(ref.size, cur.size) <= EXACT_KS_LIMIT:
        p_value = float(stats.ks_2samp(ref, cur).pvalue)  # exact, as scipy's "auto"
    else:
        n = ref.size * cur.size / (ref.size + cur.size)
        p_value = float(np.clip(stats.kstwo.sf(d, np.round(n)), 0.0, 1.0))
    if method == "K-S p_value":
        score = p_value
    else:  # scipy.stats.wasserstein_distance: the area between the two CDFs
        area = float(np.sum(gap[:-1] * np.diff(both)))
        score = area / max(float(np.std(ref)), 0.001)
    return ColumnDrift(name, kind, method, score, limit, _verdict(method, score, limit), p_value, "K-S")


# -- categories ---------------------------------------------------------------------------------
def _categorical(
    name: str, kind: Kind, reference: pd.Series, current: pd.Series, thresholds: dict[str, float] | None
) -> ColumnDrift:
    import numpy as np

    ref, cur = reference.dropna(), current.dropna()
    if ref.dtype.kind == "f":
        ref, cur = ref[np.isfinite(ref.to_numpy())], cur[np.isfinite(cur.to_numpy(dtype=float))]
    ref_counts, cur_counts = ref.value_counts(), cur.value_counts()
    keys = list(dict.fromkeys([*ref_counts.index, *cur_counts.index]))
    ref_n = np.array([ref_counts.get(k, 0) for k in keys], dtype=float)
    cur_n = np.array([cur_counts.get(k, 0) for k in keys], dtype=float)
    method = choose_method(kind, len(ref), len(keys))
    limit = (thresholds or {}).get(method, DEFAULT_THRESHOLDS[method])
    ref_share, cur_share = ref_n / max(len(ref), 1), cur_n / max(len(cur), 1)
    score = _category_score(method, ref, cur, keys, ref_share, cur_share)
    p_value = _homogeneity(ref_n, cur_n)
    return ColumnDrift(name, kind, method, float(score), limit, _verdict(method, float(score), limit), p_value,
                       "chi-square homogeneity")  # fmt: skip


def _category_score(
    method: str, ref: pd.Series, cur: pd.Series, keys: list[Any], ref_share: np.ndarray, cur_share: np.ndarray
) -> float:
    from scipy import stats
    from scipy.spatial import distance

    if method == "Jensen-Shannon distance":
        return float(distance.jensenshannon(ref_share, cur_share))
    if method == "chi-square p_value":
        expected = ref_share * len(cur)
        observed = cur_share * len(cur)
        return float(stats.chisquare(observed, expected)[1])
    return _z_test(ref, cur, keys)


def _homogeneity(ref_n: np.ndarray, cur_n: np.ndarray) -> float:
    """Chi-square test that both samples come from one categorical distribution."""
    import numpy as np
    from scipy import stats

    table = np.vstack([ref_n, cur_n])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table)[1])


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


# -- the dataset ----------------------------------------------------------------------------------
def benjamini_hochberg(p_values: list[float], fdr: float) -> list[bool]:
    """Which hypotheses Benjamini-Hochberg rejects at false discovery rate `fdr` (input order).
    Rejecting any at all is Simes' test of "no column changed" at level `fdr`."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cut = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= fdr * rank / m:
            cut = rank
    rejected = [False] * m
    for i in order[:cut]:
        rejected[i] = True
    return rejected


def counts(column: ColumnDrift, rule: DatasetRule) -> bool:
    """Does this column count as drifted under `rule`?"""
    if rule == "share":
        return column.drift
    return column.significant or (column.drift and column.method not in P_VALUE_METHODS)


def decide(
    columns: dict[str, ColumnDrift], rule: DatasetRule, fdr: float, threshold_share: float
) -> tuple[dict[str, ColumnDrift], bool, float]:
    """Apply the correction and the dataset rule: (columns with `significant` set, verdict, share)."""
    from dataclasses import replace

    names = list(columns)
    rejected = benjamini_hochberg([columns[n].p_value for n in names], fdr) if names else []
    marked = {n: replace(columns[n], significant=r) for n, r in zip(names, rejected, strict=True)}
    share = sum(d.drift for d in marked.values()) / len(marked) if marked else 0.0
    if rule == "corrected":
        verdict = any(counts(d, rule) for d in marked.values())
    else:
        verdict = bool(marked) and share >= threshold_share
    return marked, verdict, share


def dataset_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    threshold_share: float = 0.5,
    thresholds: dict[str, float] | None = None,
    rule: DatasetRule = "corrected",
    fdr: float = DEFAULT_FDR,
) -> DriftResult:
    """Drift of every column the two frames share (or of `columns`); kinds come from the reference.
    `thresholds`: method name -> threshold (default: Evidently's)."""
    names = columns if columns is not None else [str(c) for c in reference.columns if c in current.columns]
    results: dict[str, ColumnDrift] = {}
    skipped: dict[str, str] = {}
    for name in names:
        ref, cur = reference[name], current[name]
        kind = column_kind(ref)
        if kind in ("text", "unknown"):
            skipped[name] = "free text or an identifier" if kind == "text" else "type not supported"
            continue
        if not ref.notna().any() or not cur.notna().any():
            skipped[name] = "no values on one side"
            continue
        results[name] = column_drift(name, ref, cur, kind, thresholds)
    marked, verdict, share = decide(results, rule, fdr, threshold_share)
    return DriftResult(
        columns=marked,
        dataset_drift=verdict,
        drift_share=share,
        threshold_share=threshold_share,
        engine="fast",
        rows_reference=len(reference),
        rows_current=len(current),
        skipped=skipped,
        rule=rule,
        fdr=fdr,
    )
