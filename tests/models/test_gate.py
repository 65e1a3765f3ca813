"""The promotion gate's statistics on constructed predictions."""

from __future__ import annotations

import numpy as np

from opsgraph.tools.models.gate import compare


def _predictions(n: int, champion_right: float, challenger_extra: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    champion = np.where(rng.random(n) < champion_right, truth, 1 - truth)
    challenger = champion.copy()
    wrong = np.flatnonzero(champion != truth)[:challenger_extra]
    challenger[wrong] = truth[wrong]
    return truth, champion, challenger


def test_a_clear_significant_gain_passes() -> None:
    truth, champion, challenger = _predictions(4000, 0.8, 200)
    gate = compare(truth, champion, challenger)
    assert gate.passed and round(gate.improvement, 6) == 0.05 and gate.p_value < 1e-6 and gate.ci_low > 0


def test_a_small_gain_fails_with_both_reasons() -> None:
    truth, champion, challenger = _predictions(400, 0.8, 3)
    gate = compare(truth, champion, challenger)
    assert not gate.passed
    assert any("not above 0.01" in r for r in gate.reasons()) and any("McNemar" in r for r in gate.reasons())


def test_significant_but_too_small_fails_on_the_gain_only() -> None:
    truth, champion, challenger = _predictions(20000, 0.8, 150)
    gate = compare(truth, champion, challenger)
    assert gate.p_value < 0.05 and not gate.passed
    assert gate.reasons() == ["accuracy gain +0.0075 is not above 0.01"]
