"""The "rca" eval on public fault-injection data (../shared/data/rca): thresholds and floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import EvalReport, run_suite
from tests.evals.gate import gate, still_misses

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def report(shared_data: Path) -> EvalReport:
    return run_suite("rca", shared_data)


@pytest.fixture(scope="module")
def value(report: EvalReport) -> dict[str, float]:
    return {m.name: m.value for m in report.metrics}


# issue 19's targets (AC@1 >= 0.8, AC@3 >= 0.95) on the system that chose nothing, not met today
HELD_OUT_MISSES = {
    "online-boutique-1.AC@1 (settings chosen on micross)": "0.714 < 0.8",
    "online-boutique-1.AC@3 (settings chosen on micross)": "0.814 < 0.95",
    "micross.AC@1 (settings chosen on online-boutique-1)": "0.309 < 0.8 (ceiling 0.57: most roots never alert)",
    "micross.AC@3 (settings chosen on online-boutique-1)": "0.421 < 0.95 (ceiling 0.57: most roots never alert)",
    "online-boutique-1.AC@1 all modalities (chosen on micross)": "0.714 < 0.8",
    "online-boutique-1.AC@3 all modalities (chosen on micross)": "0.814 < 0.95",
    "micross.AC@1 all modalities (chosen on online-boutique-1)": "0.336 < 0.8 (17 of 152 faults have no alert at all)",
    "micross.AC@3 all modalities (chosen on online-boutique-1)": "0.447 < 0.95 (17 of 152 faults have no alert at all)",
}


def test_rca_meets_its_thresholds(report: EvalReport) -> None:
    """Development-half floors and issue 19's metric-alerts-only level, from evals/thresholds.yaml."""
    gate(report, misses=HELD_OUT_MISSES)


@pytest.mark.parametrize(
    "metric",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"issue 19: {why}"))
        for name, why in HELD_OUT_MISSES.items()
    ],
)
def test_rca_meets_the_issue_thresholds_held_out(report: EvalReport, metric: str) -> None:
    still_misses(report, metric)


def test_held_out_numbers_carry_the_issue_targets_and_development_only_floors(report: EvalReport) -> None:
    thresholds = {m.name: m.threshold for m in report.metrics if m.threshold is not None}
    held_out = {
        "online-boutique-1.AC@1 (settings chosen on micross)": 0.8,
        "online-boutique-1.AC@3 (settings chosen on micross)": 0.95,
        "micross.AC@1 (settings chosen on online-boutique-1)": 0.8,
        "micross.AC@3 (settings chosen on online-boutique-1)": 0.95,
        "online-boutique-1.AC@1 all modalities (chosen on micross)": 0.8,
        "online-boutique-1.AC@3 all modalities (chosen on micross)": 0.95,
        "micross.AC@1 all modalities (chosen on online-boutique-1)": 0.8,
        "micross.AC@3 all modalities (chosen on online-boutique-1)": 0.95,
    }
    assert {name: thresholds[name] for name in held_out} == held_out
    assert report.metrics[0].name == next(iter(held_out))  # the honest number comes first
    # anything else with a threshold is a regression floor on a development half (evals/thresholds.yaml),
    # never on a number that chose nothing, but for issue 19's "metric alerts alone" level
    floors = {name: t for name, t in thresholds.items() if name not in held_out}
    assert floors and all(name.endswith("development half") or "metric alerts only" in name for name in floors)


def test_each_direction_reports_the_choice_and_what_choosing_in_sample_would_flatter(report: EvalReport) -> None:
    directions = report.details["cross_system"]["directions"]
    assert {(d["tuned_on"], d["reported_on"]) for d in directions} == {
        ("micross", "online-boutique-1"),
        ("online-boutique-1", "micross"),
    }
    grid = report.details["cross_system"]["grid"]
    for d in directions:
        # the reported number is the chosen setting's row on the other system, nothing re-chosen
        assert grid[d["reported_on"]][d["chosen"]] == [d["held_out"]["AC@1"], d["held_out"]["AC@3"]]
        assert d["chosen_metrics_only"].startswith("metrics | ")
        assert "log" in d["chosen_all_modalities"] and "traces" in d["chosen_all_modalities"]
        all_row = grid[d["reported_on"]][d["chosen_all_modalities"]]
        assert all_row == [d["held_out_all_modalities"]["AC@1"], d["held_out_all_modalities"]["AC@3"]]
        assert (
            d["in_sample_best"]["AC@1"] + d["in_sample_best"]["AC@3"] >= d["held_out"]["AC@1"] + d["held_out"]["AC@3"]
        )


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


def test_what_trace_alerts_alone_say_is_reported(report: EvalReport) -> None:
    """The callee side of the anomalous calls alone, per system: the evidence for how much (or how
    little) the trace modality can add on this data."""
    for system in ("online-boutique-1", "micross"):
        alone = report.details[system]["traces_alone"]
        assert alone["faults"] > 0 and 0.0 <= alone["AC@1"] <= alone["AC@3"] <= 1.0
