"""The thresholds file decides pass/fail, and a score that drops below its threshold fails the
eval (CLI exit 1) and the CI gate every suite goes through - shown by lowering a real suite's
score, and for every gated metric of every suite by moving it just past its bound."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsgraph.evals.base import EvalReport, Metric, needs_data, run_suite
from opsgraph.evals.thresholds import Thresholds, load, shipped
from tests.evals.gate import gate, still_misses

GATED = [(suite, name) for suite, config in shipped().suites.items() for name in config.metrics]


def _at_the_bounds(suite: str) -> EvalReport:
    """A report of `suite` with every gated metric exactly on its bound, thresholds applied."""
    bounds = shipped().suites[suite].metrics
    metrics = [Metric(name=n, value=b.min if b.min is not None else b.max or 0.0) for n, b in bounds.items()]
    return shipped().apply(EvalReport(suite=suite, metrics=metrics))


def _moved_past(report: EvalReport, name: str) -> EvalReport:
    step = max(abs(report.metric(name).threshold or 0.0) * 0.01, 0.001)
    metrics = [
        m.model_copy(update={"value": m.value - step if m.higher_is_better else m.value + step})
        if m.name == name
        else m
        for m in report.metrics
    ]
    return report.model_copy(update={"metrics": metrics})


@pytest.mark.parametrize(("suite", "name"), GATED, ids=[f"{s}:{n}" for s, n in GATED])
def test_every_gated_metric_past_its_bound_fails_the_ci_gate(suite: str, name: str) -> None:
    on_the_bound = _at_the_bounds(suite)
    gate(on_the_bound)  # exactly on every bound passes
    dropped = _moved_past(on_the_bound, name)
    assert not dropped.passed
    with pytest.raises(pytest.fail.Exception, match=re.escape(name)):
        gate(dropped)
    gate(dropped, misses={name})  # named as a known held-out miss, the rest still passes ...
    with pytest.raises(AssertionError, match=re.escape(name)):
        still_misses(dropped, name)  # ... and its xfail(strict) test keeps failing


def test_the_gate_refuses_unreported_gated_metrics_and_misses_without_a_target() -> None:
    report = _at_the_bounds("planner")
    partial = report.model_copy(update={"metrics": report.metrics[1:]})
    with pytest.raises(pytest.fail.Exception, match=r"gated in evals/thresholds\.yaml but not reported"):
        gate(partial)
    with pytest.raises(pytest.fail.Exception, match="known miss nothing_like_it carries no threshold"):
        gate(report, misses={"nothing_like_it"})


@pytest.mark.parametrize("suite", ["injection", "rca", "nab", "iac"])
def test_a_suite_without_its_public_data_skips_in_ci_saying_what_is_missing(suite: str, tmp_path: Path) -> None:
    report = run_suite(suite, tmp_path)  # a data folder without the suite's files, as in a user's clone
    assert report.skipped and str(tmp_path) in report.skipped
    with pytest.raises(pytest.skip.Exception, match=rf"{suite}: .*{re.escape(str(tmp_path))}"):
        gate(report)


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
