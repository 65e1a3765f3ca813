"""CI runs every eval suite and fails when a metric misses its evals/thresholds.yaml bound.

Suites marked `ci: true` run here; the others name the test module that gates them (`ci: tests/...`)
because it already runs the suite case by case or shares a trained model: this file checks that
every suite is one or the other and that each named module goes through the same gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import run_suite, suites
from opsgraph.evals.thresholds import shipped
from tests.evals.gate import gate

CI_SUITES = shipped().ci_suites()
ROOT = Path(__file__).resolve().parents[2]


def test_every_suite_is_gated_in_ci() -> None:
    elsewhere = shipped().gated_elsewhere()
    assert sorted(set(suites()) - set(CI_SUITES) - set(elsewhere)) == []
    assert {"planner", "runbooks", "prompts"} <= set(CI_SUITES)
    for suite, module in elsewhere.items():
        source = (ROOT / module).read_text()  # a wrong path fails here, naming it
        assert "from tests.evals.gate import" in source and "gate(" in source, f"{module} does not gate {suite}"


@pytest.mark.parametrize("suite", CI_SUITES)
def test_suite_meets_its_thresholds(suite: str) -> None:
    gate(run_suite(suite))
