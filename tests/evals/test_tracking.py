"""Eval history in a real MLflow SQLite store: --track logs a run per suite tagged with the git
commit; --compare finds an earlier run (last, run id, commit) and reports changes metric by metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsgraph.evals.base import EvalReport, Metric
from opsgraph.evals.tracking import EvalTracker, GitInfo, compare, git_info, metric_key
from tests.support.cli import run_cli


def _report(recall: float, latency: float) -> EvalReport:
    return EvalReport(suite="demo", metrics=[
        Metric(name="recall@3", value=recall, threshold=0.95),
        Metric(name="p50 (ms)", value=latency, higher_is_better=False),
    ])  # fmt: skip


@pytest.mark.slow
def test_track_then_compare(tmp_path: Path) -> None:
    tracker = EvalTracker(tmp_path)
    assert tracker.find("demo", "last") is None
    first = tracker.log(_report(0.97, 12.0), GitInfo("a" * 40, dirty=False))
    tracker.log(_report(0.93, 10.0), GitInfo("b" * 40, dirty=True))

    latest = tracker.find("demo", "last")
    assert latest is not None and latest.commit == "b" * 40
    by_commit = tracker.find("demo", "aaaaaaa")
    by_id = tracker.find("demo", first)
    assert by_commit is not None and by_id is not None and by_commit.run_id == by_id.run_id == first
    assert tracker.find("demo", "c" * 12) is None

    deltas = {d.name: d for d in compare(_report(0.96, 11.0), by_commit)}
    assert deltas["recall@3"].before == 0.97 and deltas["recall@3"].change == pytest.approx(-0.01)
    assert deltas["recall@3"].verdict == "worse" and deltas["p50 (ms)"].verdict == "better"
    assert metric_key("recall@3") == "recall_at_3" and metric_key("p50 (ms)") == "p50 _ms_"


def test_git_info_names_this_checkout() -> None:
    info = git_info()
    assert info.commit == "unknown" or len(info.commit) == 40


@pytest.mark.slow
def test_cli_track_then_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracked = run_cli("eval", "prompts", "--track", "--json")
    assert tracked.returncode == 0, tracked.stderr
    run = json.loads(tracked.stdout)[0]["tracked"]
    assert run["store"].startswith("sqlite:///") and "mlflow" in run["store"]

    compared = run_cli("eval", "prompts", "--compare", "last", "--json")
    assert compared.returncode == 0, compared.stderr
    comparison = json.loads(compared.stdout)[0]["compare"]
    assert comparison["found"] and comparison["run_id"] == run["run_id"]
    assert {d["name"]: d["verdict"] for d in comparison["deltas"]}["lock_ok"] == "same"

    missing = run_cli("eval", "prompts", "--compare", "0000000", "--json")
    assert missing.returncode == 2 and "no tracked run matches" in missing.stderr


@pytest.mark.slow
def test_a_lowered_score_compared_with_its_tracked_run_shows_worse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Track the planner suite in the test's own MLflow SQLite store, lower its tool accuracy below
    the threshold, compare with the tracked run: the metric reads worse and the eval exits 1."""
    from typer.testing import CliRunner

    import opsgraph.evals.planner as suite
    from opsgraph.channels.cli import app

    runner = CliRunner()
    tracked = runner.invoke(app, ["eval", "planner", "--track", "--json"])
    assert tracked.exit_code == 0, tracked.output
    before = {m["name"]: m["value"] for m in json.loads(tracked.stdout)[0]["metrics"]}

    real_run = suite.run

    def lowered(*args: object, **kwargs: object) -> EvalReport:
        report = real_run(*args, **kwargs)
        metrics = [m.model_copy(update={"value": 0.5}) if m.name == "tool_accuracy" else m for m in report.metrics]
        return report.model_copy(update={"metrics": metrics})

    monkeypatch.setattr(suite, "run", lowered)
    compared = runner.invoke(app, ["eval", "planner", "--compare", "last", "--json"])
    assert compared.exit_code == 1, compared.output
    doc = json.loads(compared.stdout)[0]
    assert doc["compare"]["found"] and doc["compare"]["run_id"] == json.loads(tracked.stdout)[0]["tracked"]["run_id"]
    deltas = {d["name"]: d for d in doc["compare"]["deltas"]}
    assert deltas["tool_accuracy"]["before"] == before["tool_accuracy"] and deltas["tool_accuracy"]["now"] == 0.5
    assert deltas["tool_accuracy"]["verdict"] == "worse" and deltas["intent_accuracy"]["verdict"] == "same"

    table = runner.invoke(app, ["eval", "planner", "--compare", "last"], env={"COLUMNS": "200"})
    (row,) = [line for line in table.stdout.splitlines() if "tool_accuracy" in line]
    assert table.exit_code == 1 and "NO" in row and "worse" in row and "0.5000" in row, table.stdout
