"""The router's shipped setting is as good as the one the tuning half chooses, and on the scoring
half the planner's kept answers stay right while most open questions reach the model."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from opsgraph.agent.llm.router import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MAX_UNCERTAINTY,
    DEFAULT_MAX_WORDS,
    DEFAULT_MIN_FAMILIARITY,
)
from opsgraph.evals.base import EvalReport
from opsgraph.serving.router_eval import TARGET_PRECISION, Row, choose, keeps, rows_from_cases, tuning_half
from tests.evals.gate import gate, still_misses
from tests.support.cli import OPSGRAPH

# Scoring-half metrics under the floors the tuning half set (evals/thresholds.yaml): kept as misses.
MISSES: dict[str, str] = {}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> EvalReport:
    """`opsgraph eval router` with a freshly trained planner, under whatever hash seed this process
    gets: the planner answers the same under every seed (tests/agent/test_planner_determinism.py)."""
    env = os.environ | {"OPSGRAPH_MODEL_CACHE_DIR": str(tmp_path_factory.mktemp("router-planner"))}
    env.pop("PYTHONHASHSEED", None)
    done = subprocess.run([OPSGRAPH, "eval", "router", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return EvalReport.model_validate(json.loads(done.stdout)[0])


def test_router_meets_its_thresholds(report: EvalReport) -> None:
    gate(report, misses=MISSES)


@pytest.mark.parametrize(
    "metric",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=r)) for n, r in MISSES.items()],
)
def test_held_out_miss_stays_visible(report: EvalReport, metric: str) -> None:
    still_misses(report, metric)


def test_shipped_setting_is_the_tuned_one_and_scores_on_the_other_half(report: EvalReport) -> None:
    tuning = [r for r in rows_from_cases() if tuning_half(r.text)]
    shipped = (DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS, DEFAULT_MIN_FAMILIARITY, DEFAULT_MAX_UNCERTAINTY)
    details = report.details
    chosen = (details["threshold"], details["max_words"], details["min_familiarity"], details["max_uncertainty"])
    # Several settings tie on 146 cases and a new intent example moves confidences a little, so
    # the shipped one must meet the target there and keep as many turns as the chosen one, give
    # or take two cases; not be the very same numbers.
    kept = [r for r in tuning if keeps(r, shipped, cues=False)]
    assert sum(r.planner_right for r in kept) / len(kept) >= TARGET_PRECISION
    chosen_kept = [r for r in tuning if keeps(r, chosen, cues=False)]
    assert len(kept) >= len(chosen_kept) - 2
    # the scoring half's floors are evals/thresholds.yaml's, applied by the gate above
    assert report.details["scoring"]["cases"] > 100


def _row(text: str, right: bool, confidence: float, uncertainty: float, open_question: bool = False) -> Row:
    return Row(text, "k8s_status", confidence, right, open_question, 1.0, uncertainty)


def test_a_request_that_fits_no_intent_goes_to_the_model_however_sure_the_top_intent_looks() -> None:
    sure = _row("status of checkout", True, 0.9, 0.1)
    spread = _row("status of checkout", True, 0.9, 0.9)
    setting = (0.35, 12, 0.0, 0.75)
    assert keeps(sure, setting)
    assert not keeps(spread, setting)


def test_of_settings_that_keep_the_same_turns_the_strictest_is_chosen() -> None:
    # Right answers are peaked (uncertainty <= 0.2), the open question spreads (0.8): every
    # uncertainty ceiling from 0.2 up to 0.75 keeps exactly the right ones; the strictest, 0.2, wins,
    # so a new request between 0.2 and 0.75 goes to the model.
    rows = [_row(f"scale checkout to {n}", True, 0.9, n / 50) for n in range(11)]
    rows.append(_row("is it safe to ship now", False, 0.9, 0.8, open_question=True))
    confidence, max_words, min_familiarity, max_uncertainty = choose(rows, target=1.0)
    assert max_uncertainty == 0.2
    assert (confidence, max_words, min_familiarity) == (0.9, 4, 1.0)
