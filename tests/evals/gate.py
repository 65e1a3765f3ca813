"""The one CI gate every eval suite goes through: evals/thresholds.yaml's bounds over the suite's
report (`run_suite` applies them), failing with every metric that missed. A suite whose held-out
metric does not meet its issue target names it in `misses`; that metric is then checked by an
xfail(strict) test (`still_misses`) carrying the measured value, so meeting the target one day
turns that test red until the miss is removed, and nothing else can slip under the same name."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from opsgraph.evals.base import EvalReport
from opsgraph.evals.thresholds import shipped


def gate(report: EvalReport, misses: Collection[str] = ()) -> None:
    """Skip when the suite skipped (no ../shared/data); fail with every gated metric that is not
    reported, every known miss that carries no threshold, and every other metric below its bound."""
    if report.skipped:
        pytest.skip(f"{report.suite}: {report.skipped}")
    reported = {m.name: m for m in report.metrics}
    config = shipped().suites.get(report.suite)
    problems = [
        f"{name} is gated in evals/thresholds.yaml but not reported"
        for name in (config.metrics if config else {})
        if name not in reported
    ]
    problems += [f"known miss {name} carries no threshold" for name in misses if reported.get(name) is None
                 or reported[name].threshold is None]  # fmt: skip
    problems += [
        f"{m.name} = {m.value:.4f}, needs {'>=' if m.higher_is_better else '<='} {m.threshold}"
        for m in report.metrics
        if not m.passed and m.name not in misses
    ]
    if problems:
        pytest.fail(f"eval {report.suite} below its thresholds: " + "; ".join(problems))


def still_misses(report: EvalReport, name: str) -> None:
    """The body of an xfail(strict) test for a held-out metric under its issue target."""
    if report.skipped:
        pytest.skip(f"{report.suite}: {report.skipped}")
    metric = report.metric(name)
    assert metric.passed, f"{name} = {metric.value:.4f}, target {metric.threshold}"
