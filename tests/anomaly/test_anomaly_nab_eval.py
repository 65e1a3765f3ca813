"""The "nab" eval suite on every public NAB category, leave one category out (skipped when
../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import EvalReport, run_suite, suites
from tests.evals.gate import gate, still_misses

# Streams ~300k points through the detector (about 15 s for the eval, ~40 s for this module).
pytestmark = [pytest.mark.slow, pytest.mark.shared_data, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def report(shared_data: Path) -> EvalReport:
    assert "nab" in suites()
    return run_suite("nab", shared_data)


def test_every_category_is_scored_held_out_without_crashing(report: EvalReport) -> None:
    assert report.skipped is None, report.skipped
    categories = report.details["categories"]
    assert len(categories) == 6 and sum(c["files"] for c in categories.values()) == 41
    # artificialNoAnomaly has no window: no normalised score, only its false positives.
    assert categories["artificialNoAnomaly"]["score"] is None and categories["artificialNoAnomaly"]["fn"] == 0
    standard = report.metric("nab_standard")
    assert standard.threshold == 70.0
    assert report.metric("nab_standard_in_sample").value >= standard.value


def test_every_scored_category_beats_random_cut_forest_held_out(report: EvalReport) -> None:
    """Issue 19: above Random Cut Forest (NAB's published scores) on every category, each category
    scored at settings chosen without it."""
    from opsgraph.evals.nab import RANDOM_CUT_FOREST

    categories = report.details["categories"]
    for name, rcf in RANDOM_CUT_FOREST.items():
        assert categories[name]["score"] > rcf, (name, categories[name]["score"], rcf)


def test_nab_meets_its_thresholds(report: EvalReport) -> None:
    """The in-sample floor from evals/thresholds.yaml; the held-out target is below."""
    gate(report, misses={"nab_standard"})


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 19 target not met: leave-one-category-out standard score 69.1 < 70",
)
def test_nab_standard_score_meets_the_threshold(report: EvalReport) -> None:
    still_misses(report, "nab_standard")


def test_nab_suite_skips_cleanly_without_the_data(tmp_path: Path) -> None:
    report = run_suite("nab", tmp_path)
    assert report.skipped is not None and "NAB" in report.skipped
