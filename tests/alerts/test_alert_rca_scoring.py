"""Scoring of the rca eval: AC@k, the development / held-out split, the ceiling (no data needed)."""

from __future__ import annotations

from opsgraph.evals.rca_scoring import FaultOutcome, SystemResult


def outcome(i: int, hit1: bool, hit3: bool, alerts: bool = True, level: str = "pod") -> FaultOutcome:
    return FaultOutcome(str(i), level, "cpu", hit1, hit1 or hit3, alerts)


def test_halves_split_in_time_order_and_score_apart() -> None:
    result = SystemResult("s", tuple(outcome(i, i < 3, True) for i in range(7)))
    dev, held = result.halves()
    assert [o.id for o in dev.outcomes] == ["0", "1", "2"]
    assert [o.id for o in held.outcomes] == ["3", "4", "5", "6"]
    assert (dev.ac1, held.ac1, held.ac3) == (1.0, 0.0, 1.0)
    assert result.ac1 == 3 / 7


def test_the_ceiling_counts_faults_whose_root_alerts_and_within_it_accuracy_is_conditional() -> None:
    result = SystemResult(
        "s", (outcome(0, True, True), outcome(1, False, True), outcome(2, False, False, alerts=False))
    )
    assert result.ceiling == 2 / 3
    within = result.within_ceiling()
    assert (within.ac1, within.ac3) == (0.5, 1.0)


def test_breakdowns_by_level_and_fault_type() -> None:
    result = SystemResult("s", (outcome(0, True, True, level="node"), outcome(1, False, False, level="pod")))
    assert result.by_level() == {
        "node": {"faults": 1, "AC@1": 1.0, "AC@3": 1.0, "ceiling": 1.0},
        "pod": {"faults": 1, "AC@1": 0.0, "AC@3": 0.0, "ceiling": 1.0},
    }
    assert result.by_type()["cpu"]["faults"] == 2
