"""The "nab" eval suite on the public NAB realKnownCause data (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import run_suite, suites

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_nab_standard_score_meets_the_threshold(shared_data: Path) -> None:
    assert "nab" in suites()
    report = run_suite("nab", shared_data)
    assert report.skipped is None, report.skipped
    standard = report.metric("nab_standard")
    assert standard.threshold == 70.0
    assert standard.value >= 70.0, report.details
    assert report.passed
    files = report.details["files"]
    assert len(files) == 7 and sum(f["tp"] for f in files.values()) >= 14


def test_nab_suite_skips_cleanly_without_the_data(tmp_path: Path) -> None:
    report = run_suite("nab", tmp_path)
    assert report.skipped is not None and "NAB" in report.skipped
