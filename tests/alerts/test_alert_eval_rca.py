"""The "rca" eval on public fault-injection data (../shared/data/rca): thresholds and floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import EvalReport, run_suite

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def report(shared_data: Path) -> EvalReport:
    return run_suite("rca", shared_data)


@pytest.fixture(scope="module")
def value(report: EvalReport) -> dict[str, float]:
    return {m.name: m.value for m in report.metrics}


@pytest.mark.xfail(
    strict=True,
    reason="measured below the issue's thresholds (AC@1 >= 0.8, AC@3 >= 0.95): online-boutique-1 reaches "
    "0.73 / 0.81 from metric alerts alone (held-out half 0.74 / 0.83, development half 0.71 / 0.80; three of "
    "its five faults on the node that hosts 36 of 42 pods look like every other storm); on micross most roots "
    "never alert (ceiling 0.57: login failures and permission errors leave no metric trace), so 0.33 / 0.42 "
    "(0.57 / 0.74 on the faults whose root alerts)",
)
def test_rca_meets_the_issue_thresholds_on_both_systems(report: EvalReport) -> None:
    failing = [f"{m.name}={m.value:.3f}" for m in report.metrics if not m.passed]
    assert not failing, failing


def test_rca_stays_above_its_measured_floor(value: dict[str, float]) -> None:
    assert value["online-boutique-1.AC@1"] >= 0.72
    assert value["online-boutique-1.AC@3"] >= 0.80
    assert value["micross.AC@1"] >= 0.32
    assert value["micross.AC@3"] >= 0.41


def test_rca_held_out_half_stays_above_its_measured_floor(value: dict[str, float]) -> None:
    assert value["online-boutique-1.AC@1 held-out half"] >= 0.73
    assert value["online-boutique-1.AC@3 held-out half"] >= 0.82
    assert value["micross.AC@1 held-out half"] >= 0.22
    assert value["micross.AC@3 held-out half"] >= 0.32


def test_the_split_is_reported_and_covers_every_fault(report: EvalReport) -> None:
    for system in ("online-boutique-1", "micross"):
        details = report.details[system]
        split = details["split"]
        assert split["development"]["faults"] + split["held_out"]["faults"] == details["faults"]
        assert split["development"]["last_fault"] != split["held_out"]["first_fault"]
        assert set(details["variants"]["kind prior: node x2, data store x1.5"]) >= {"AC@1", "held-out AC@1"}
    assert report.details["micross"]["within_ceiling"]["AC@1"] >= 0.55


def test_history_helps_and_nothing_beats_the_ceiling(value: dict[str, float], report: EvalReport) -> None:
    for system in ("online-boutique-1", "micross"):
        assert value[f"{system}.AC@1"] >= value[f"{system}.AC@1 cold start (no history)"]
        assert value[f"{system}.AC@3"] <= value[f"{system}.ceiling (root entity alerts at all)"]
    assert report.details["micross"]["empty_faults"] == 17


def test_replayed_storms_are_reported_so_the_held_out_half_can_be_read(report: EvalReport) -> None:
    # 54 of micross's 76 held-out faults replay the alerts of an earlier fault (three copies of 18).
    assert report.details["micross"]["repeated_storms"] == {"development": 1, "held_out": 54}
    assert report.details["online-boutique-1"]["repeated_storms"] == {"development": 0, "held_out": 0}
