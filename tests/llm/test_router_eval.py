"""The router's shipped setting is as good as the one the tuning half chooses, and on the scoring
half the planner's kept answers stay right while most open questions reach the model."""

from __future__ import annotations

import pytest

from opsgraph.agent.llm.router import DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS, DEFAULT_MIN_FAMILIARITY
from opsgraph.evals.base import EvalReport, run_suite
from opsgraph.serving.router_eval import TARGET_PRECISION, keeps, rows_from_cases, tuning_half
from tests.evals.gate import gate, still_misses

# Scoring-half metrics under the floors the tuning half set (evals/thresholds.yaml): kept as misses.
MISSES = {
    "kept_precision": "scoring half 0.948 < 0.95 (the tuning half measured 1.0)",
    "open_recall": "scoring half 0.821 < 0.95 (the tuning half measured 1.0)",
}


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return run_suite("router")


def test_router_meets_its_thresholds(report: EvalReport) -> None:
    gate(report, misses=MISSES)


@pytest.mark.parametrize(
    "metric",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=r)) for n, r in MISSES.items()],
)
def test_held_out_miss_stays_visible(report: EvalReport, metric: str) -> None:
    still_misses(report, metric)


def test_shipped_setting_is_the_tuned_one_and_scores_on_the_other_half(report: EvalReport) -> None:
    tuning = [r for r in rows_from_cases() if tuning_half(r.text)]
    shipped = (DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS, DEFAULT_MIN_FAMILIARITY)
    chosen = (report.details["threshold"], report.details["max_words"], report.details["min_familiarity"])
    # Several settings tie on 146 cases and a new intent example moves confidences a little, so
    # the shipped one must meet the target there and keep as many turns as the chosen one, give
    # or take two cases; not be the very same numbers.
    kept = [r for r in tuning if keeps(r, shipped, cues=False)]
    assert sum(r.planner_right for r in kept) / len(kept) >= TARGET_PRECISION
    chosen_kept = [r for r in tuning if keeps(r, chosen, cues=False)]
    assert len(kept) >= len(chosen_kept) - 2
    # the scoring half's floors are evals/thresholds.yaml's, applied by the gate above
    assert report.details["scoring"]["cases"] > 100
