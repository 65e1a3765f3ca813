"""The thresholds file decides pass/fail, and a score that drops below its threshold fails the
eval (CLI exit 1) and the CI gate - shown by lowering a real suite's score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsgraph.evals.base import EvalReport, Metric, needs_data, run_suite
from opsgraph.evals.thresholds import Thresholds, load, shipped
from tests.evals.test_suites_in_ci import gate


def test_shipped_file_is_valid_and_names_known_suites() -> None:
    from opsgraph.evals.base import suites

    assert set(shipped().suites) <= set(suites())


def test_file_thresholds_override_the_suites_own() -> None:
    t = Thresholds.model_validate({"suites": {"x": {"metrics": {"a": {"min": 0.9}, "b": {"max": 5}}}}})
    report = EvalReport(suite="x", metrics=[Metric(name="a", value=0.85, threshold=0.5), Metric(name="b", value=4),
                                            Metric(name="c", value=1, threshold=2)])  # fmt: skip
    applied = t.apply(report)
    assert [(m.threshold, m.higher_is_better, m.passed) for m in applied.metrics] == [
        (0.9, True, False), (5, False, True), (2, True, False)
    ]  # fmt: skip


def test_a_bound_needs_exactly_one_direction(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("suites: {x: {metrics: {a: {min: 1, max: 2}}}}\n")
    with pytest.raises(ValueError, match="exactly one"):
        load(path)


def test_suites_without_public_data_say_so_by_their_signature() -> None:
    from opsgraph.evals import planner, prompts, runbooks

    assert not needs_data(planner.run) and not needs_data(runbooks.run) and not needs_data(prompts.run)

    def needs(data_dir: Path) -> EvalReport:
        return EvalReport(suite="x")

    assert needs_data(needs)


def test_a_dropped_score_fails_the_eval_and_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower the runbook suite's real score by switching off every fusion weight."""
    import opsgraph.evals.runbooks as suite
    from opsgraph.channels.cli import app
    from opsgraph.tools.runbooks.search import Weights

    monkeypatch.setattr(suite, "WEIGHTS", Weights(semantic=0.0, keyword=0.0, alert=0.0))
    report = run_suite("runbooks")
    assert report.metric("recall_at_3").value < 0.95 and not report.passed
    with pytest.raises(pytest.fail.Exception, match="recall_at_3"):
        gate(report)

    result = CliRunner().invoke(app, ["eval", "runbooks", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)[0]
    assert doc["passed"] is False and doc["metrics"][0]["name"] == "recall_at_3" and doc["metrics"][0]["value"] < 0.95
