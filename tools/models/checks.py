"""Data checks before drift (the seed's expectations), learned from the reference data: schema
and types, nulls, numeric ranges, categories. A failed check is reported as a data problem, not
as drift: broken data calls for a fix upstream, drift for retraining."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsgraph.tools.models.frames import column_kind, schema_problem

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CheckResult:
    check: str  # schema | nulls | range | categories
    column: str
    passed: bool
    detail: str
    value: float = 0.0  # the observed share (nulls, out of range, unseen)
    limit: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "column": self.column,
            "passed": self.passed,
            "detail": self.detail,
            "value": round(self.value, 6),
            "limit": self.limit,
        }


def run_checks(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[str],
    *,
    max_null_increase: float = 0.05,
    max_out_of_range: float = 0.01,
    max_unseen: float = 0.01,
) -> list[CheckResult]:
    """One result per (check, column); schema problems first. Columns missing from `current` get a
    schema failure and no further checks."""
    out: list[CheckResult] = []
    problem = schema_problem(reference[columns], current)
    broken = set(problem.missing) | {c for c, _, _ in problem.retyped} if problem else set()
    if problem:
        for column in problem.missing:
            out.append(CheckResult("schema", column, False, "column is missing"))
        for column, ref, cur in problem.retyped:
            out.append(CheckResult("schema", column, False, f"type {cur}, reference {ref}"))
    for column in columns:
        if column in broken:
            continue
        ref, cur = reference[column], current[column]
        ref_null, cur_null = float(ref.isna().mean()), float(cur.isna().mean())
        limit = round(ref_null + max_null_increase, 6)
        out.append(
            CheckResult(
                "nulls", column, cur_null <= limit, f"{cur_null:.1%} null (reference {ref_null:.1%})", cur_null, limit
            )
        )
        kind = column_kind(ref)
        values = cur.dropna()
        if values.empty:
            continue
        if ref.dtype.kind in "if" and kind == "numerical":
            low, high = float(ref.min()), float(ref.max())
            outside = float(((values < low) | (values > high)).mean())
            out.append(
                CheckResult(
                    "range",
                    column,
                    outside <= max_out_of_range,
                    f"{outside:.1%} outside the reference range [{low:g}, {high:g}]",
                    outside,
                    max_out_of_range,
                )
            )
        elif kind == "categorical":
            known = set(ref.dropna().unique())
            unseen_mask = ~values.isin(known)
            unseen = float(unseen_mask.mean())
            examples = ", ".join(sorted(map(str, values[unseen_mask].unique()))[:3])
            detail = f"{unseen:.1%} unseen values" + (f" ({examples})" if examples else "")
            out.append(CheckResult("categories", column, unseen <= max_unseen, detail, unseen, max_unseen))
    return out
