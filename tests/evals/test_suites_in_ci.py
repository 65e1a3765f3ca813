"""CI runs every suite evals/thresholds.yaml marks `ci: true` and fails when a metric misses its
threshold. Suites that need ../shared/data skip with a message when it is absent."""

from __future__ import annotations

import pytest

from opsgraph.evals.base import EvalReport, run_suite
from opsgraph.evals.thresholds import shipped

CI_SUITES = shipped().ci_suites()


def gate(report: EvalReport) -> None:
    """Fail with every metric that missed its threshold."""
    if report.skipped:
        pytest.skip(f"{report.suite}: {report.skipped}")
    missed = [
        f"{m.name} = {m.value:.4f}, needs {'>=' if m.higher_is_better else '<='} {m.threshold}"
        for m in report.metrics
        if not m.passed
    ]
    if missed:
        pytest.fail(f"eval {report.suite} below its thresholds: " + "; ".join(missed))


def test_the_fast_suites_are_wired_in() -> None:
    assert {"planner", "runbooks", "prompts"} <= set(CI_SUITES)


@pytest.mark.parametrize("suite", CI_SUITES)
def test_suite_meets_its_thresholds(suite: str) -> None:
    gate(run_suite(suite))
