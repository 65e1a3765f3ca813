"""The router's shipped setting is the one the tuning half chooses, and on the scoring half the
planner's kept answers stay right while most open questions reach the model."""

from __future__ import annotations

from opsgraph.agent.llm.router import DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS
from opsgraph.serving.router_eval import run


def test_shipped_setting_is_the_tuned_one_and_scores_on_the_other_half() -> None:
    report = run()
    assert (report.details["threshold"], report.details["max_words"]) == (DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS)
    scoring = report.details["scoring"]
    assert scoring["cases"] > 100
    assert scoring["planner_share"] > 0.6  # most turns never reach the model
    assert scoring["kept_precision"] > 0.8  # measured 0.87 (held out); the tuning half meets 0.97
    assert scoring["open_recall"] >= 0.4  # measured 0.50: the cue words do not transfer well
