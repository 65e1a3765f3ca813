"""The router's shipped setting is as good as the one the tuning half chooses, and on the scoring
half the planner's kept answers stay right while most open questions reach the model."""

from __future__ import annotations

from opsgraph.agent.llm.router import DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS, DEFAULT_MIN_FAMILIARITY
from opsgraph.serving.router_eval import TARGET_PRECISION, keeps, rows_from_cases, run, tuning_half


def test_shipped_setting_is_the_tuned_one_and_scores_on_the_other_half() -> None:
    report = run()
    tuning = [r for r in rows_from_cases() if tuning_half(r.text)]
    shipped = (DEFAULT_CONFIDENCE, DEFAULT_MAX_WORDS, DEFAULT_MIN_FAMILIARITY)
    chosen = (report.details["threshold"], report.details["max_words"], report.details["min_familiarity"])
    # Several settings tie on 146 cases and a new intent example moves confidences a little, so
    # the shipped one must meet the target there and keep as many turns as the chosen one, give
    # or take two cases; not be the very same numbers.
    kept = [r for r in tuning if keeps(r, shipped, cues=False)]
    assert sum(r.planner_right for r in kept) / len(kept) >= TARGET_PRECISION
    chosen_kept = [r for r in tuning if keeps(r, chosen, cues=False)]
    assert len(kept) >= len(chosen_kept) - 2
    scoring = report.details["scoring"]
    assert scoring["cases"] > 100
    assert scoring["planner_share"] > 0.6  # most turns never reach the model
    assert scoring["kept_precision"] > 0.9  # measured 0.958 (held out); the tuning half meets 0.97
    assert scoring["open_recall"] >= 0.75  # measured 0.857 with familiarity (0.50 on cue words alone)
