"""Settings chosen on one system, reported on the other (evals/rca_transfer.py)."""

from __future__ import annotations

from opsgraph.evals.rca_scoring import FaultOutcome, SystemResult
from opsgraph.evals.rca_transfer import POLICIES, Setting, grid, transfers
from opsgraph.tools.alerts.ranking import RankingConfig
from opsgraph.tools.alerts.topology import EMPTY

RANKINGS = {"default": RankingConfig(), "variant": RankingConfig(victim_factor=1.0)}


def _result(system: str, hits: int) -> SystemResult:
    return SystemResult(system, tuple(FaultOutcome(str(i), "pod", "x", i < hits, i < hits, True) for i in range(4)))


def test_a_tie_keeps_the_simpler_setting_and_every_modality_has_its_own_choice() -> None:
    settings = grid(RANKINGS)
    every = [s for s in settings if s.policy.logs and s.policy.traces != "ignore"]
    best_all = every[-1]  # the last all-modality setting wins on "a" outright

    def evaluate(system: str, _topology: object, _faults: object, setting: Setting) -> SystemResult:
        if system == "a":  # every setting ties on "a" but the best all-modality one
            return _result(system, 3 if setting == best_all else 2)
        return _result(system, 1 if setting.policy == POLICIES[0] and setting.ranking_name == "default" else 0)

    moved, _ = transfers({"a": (EMPTY, []), "b": (EMPTY, [])}, settings, evaluate)
    a_to_b = next(t for t in moved if t.tuned_on == "a")
    assert a_to_b.chosen == best_all
    assert a_to_b.chosen_metrics_only == settings[0]  # a tie among metric-only settings: the first
    assert a_to_b.chosen_all == best_all
    b_to_a = next(t for t in moved if t.tuned_on == "b")
    assert b_to_a.chosen == settings[0] and b_to_a.held_out.ac1 == 0.5
    assert b_to_a.chosen_all == every[0]  # all tie on "b": the simplest all-modality setting
