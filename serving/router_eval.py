"""Router suite: which turns the deterministic planner keeps, and how often it is right on them.

Cases: the planner's table (tests/agent/planner_cases.yaml: requests with the answer the planner
must give) and the router's open questions (tests/llm/router_cases.yaml: requests that need the
model). A stable hash of the text puts each case in the tuning half or the scoring half, in code.

- The setting (planner confidence threshold, longest request the planner keeps, least share of
  the request's words the planner met in its examples, most uncertainty of the intent model: its
  normalised entropy, an out-of-domain score) is chosen on the tuning half only: the one that
  keeps the most turns with the planner while the answers it keeps are right at least
  TARGET_PRECISION of the time (an open question kept counts as wrong). Many settings tie there;
  of those the strictest is taken, so at equal savings the borderline turns reach the model
  (open questions must). The router's open-question cue words were also written from the tuning
  half's texts, so the choice is made without them (see `choose`).
- The scoring half reports, at that threshold: planner_share (turns that never reach the model:
  the saving), kept_precision (the planner's answers there are as good as the planner alone on
  them), open_recall (open questions that do reach the model).
No model runs here: what the model answers on the turns sent to it is for `opsgraph llm check`
and the LLM tests; this suite measures the routing decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opsgraph.evals.base import EvalReport, Metric

ROOT = Path(__file__).resolve().parent.parent
PLANNER_CASES = ROOT / "tests" / "agent" / "planner_cases.yaml"
OPEN_CASES = ROOT / "tests" / "llm" / "router_cases.yaml"
TARGET_PRECISION = 0.97


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    confidence: float
    planner_right: bool  # the planner's answer is the expected one (never for an open question)
    open_question: bool
    familiarity: float = 1.0
    uncertainty: float = 0.0


def tuning_half(text: str) -> bool:
    return hashlib.sha256(text.encode()).digest()[0] % 2 == 0


# (planner confidence threshold, max words, min familiarity, max uncertainty)
Setting = tuple[float, int, float, float]

# The grid `choose` searches, each axis from its most permissive value to its strictest.
CONFIDENCES = tuple(step / 100 for step in range(0, 101, 5))
MAX_WORDS = tuple(range(40, 3, -1))
FAMILIARITIES = tuple(step / 20 for step in range(0, 21))
UNCERTAINTIES = tuple(step / 20 for step in range(20, -1, -1))


def keeps(row: Row, setting: Setting, cues: bool = True) -> bool:
    from opsgraph.agent.llm import router

    return router.keeps(
        row.text,
        row.intent,
        row.confidence,
        setting[0],
        setting[1],
        row.familiarity,
        setting[2],
        cues=cues,
        uncertainty=row.uncertainty,
        max_uncertainty=setting[3],
    )


def choose(rows: list[Row], target: float = TARGET_PRECISION) -> Setting:
    """The setting that keeps the most turns with the planner while its kept answers are right at
    least `target` of the time. Several settings keep the same turns here; of those, the strictest
    (the highest sum of each axis's position from permissive to strict, as a share of the axis) is
    taken: at equal savings on these cases, the turns on the edge go to the model.

    The open-question cue words are left out while choosing: they were written from these same
    texts, so with them every setting looks right here and the generic signals (confidence,
    length, familiarity, uncertainty) would never be asked to work. They still apply when the
    router runs."""
    import numpy as np

    axes = (CONFIDENCES, MAX_WORDS, FAMILIARITIES, UNCERTAINTIES)
    conf = np.array([r.confidence for r in rows])
    words = np.array([len(r.text.split()) for r in rows])
    fam = np.array([r.familiarity for r in rows])
    unc = np.array([r.uncertainty for r in rows])
    known = np.array([r.intent != "unknown" for r in rows])
    right = np.array([r.planner_right for r in rows])
    # passes[axis][i, row]: the row passes that axis's i-th value (the same comparisons as router.keeps)
    passes = (
        conf[None, :] >= np.array(CONFIDENCES)[:, None],
        words[None, :] <= np.array(MAX_WORDS)[:, None],
        fam[None, :] >= np.array(FAMILIARITIES)[:, None],
        unc[None, :] <= np.array(UNCERTAINTIES)[:, None],
    )
    kept = known[None, None, None, None, :] & passes[0][:, None, None, None, :]
    kept = kept & passes[1][None, :, None, None, :] & passes[2][None, None, :, None, :]
    kept = kept & passes[3][None, None, None, :, :]
    count = kept.sum(axis=-1)
    good = (kept & right).sum(axis=-1)
    ok = (count > 0) & (good >= target * count - 1e-9)
    if not ok.any():
        return (1.0, 0, 1.0, 0.0)
    best = ok & (count == count[ok].max())
    strictness = sum(
        (np.arange(len(axis)) / (len(axis) - 1)).reshape([-1 if a == i else 1 for a in range(4)])
        for i, axis in enumerate(axes)
    )
    at = np.unravel_index(int(np.where(best, strictness, -1.0).argmax()), best.shape)
    return (CONFIDENCES[at[0]], MAX_WORDS[at[1]], FAMILIARITIES[at[2]], UNCERTAINTIES[at[3]])


def score(rows: list[Row], setting: Setting) -> dict[str, float]:
    kept = [r for r in rows if keeps(r, setting)]
    open_rows = [r for r in rows if r.open_question]
    return {
        "planner_share": round(len(kept) / max(len(rows), 1), 4),
        "kept_precision": round(sum(r.planner_right for r in kept) / max(len(kept), 1), 4),
        "open_recall": round(sum(not keeps(r, setting) for r in open_rows) / max(len(open_rows), 1), 4),
        "cases": len(rows),
    }


def rows_from_cases(planner_cases: Path = PLANNER_CASES, open_cases: Path = OPEN_CASES) -> list[Row]:
    from opsgraph.agent.inventory import from_scenario
    from opsgraph.agent.planner.planner import DeterministicPlanner
    from opsgraph.agent.settings import Settings
    from opsgraph.evals.planner import expected_calls
    from opsgraph.sandbox.scenario import default_scenario_path

    planner = DeterministicPlanner.load(Settings().cache_dir)
    inventory = from_scenario(default_scenario_path(), None)
    rows: list[Row] = []
    for case in yaml.safe_load(planner_cases.read_text()):
        plan = planner.plan(case["text"], inventory)
        got = [{"name": c.name, "args": c.args} for c in plan.tool_calls]
        if "asks" in case:
            right = not got and plan.follow_up is not None and plan.follow_up.missing == case["asks"]
        else:
            right = got == expected_calls(case, inventory)
        right = right and plan.intent == case["intent"]
        rows.append(Row(case["text"], plan.intent, plan.confidence, right, False, plan.familiarity, plan.uncertainty))
    for text in yaml.safe_load(open_cases.read_text()):
        plan = planner.plan(text, inventory)
        rows.append(Row(text, plan.intent, plan.confidence, False, True, plan.familiarity, plan.uncertainty))
    return rows


def run(data_dir: Path | None = None) -> EvalReport:
    if not PLANNER_CASES.is_file() or not OPEN_CASES.is_file():
        return EvalReport(suite="router", skipped="the router cases live in the source tree (tests/); not found")
    rows = rows_from_cases()
    tuning = [r for r in rows if tuning_half(r.text)]
    scoring = [r for r in rows if not tuning_half(r.text)]
    threshold = choose(tuning)
    held = score(scoring, threshold)
    details: dict[str, Any] = {
        "threshold": threshold[0],
        "max_words": threshold[1],
        "min_familiarity": threshold[2],
        "max_uncertainty": threshold[3],
        "chosen_on": f"tuning half ({len(tuning)} cases, sha256(text)[0] even), target precision {TARGET_PRECISION}",
        "tuning": score(tuning, threshold),
        "scoring": held,
        "open_kept_by_planner": [r.text for r in scoring if r.open_question and keeps(r, threshold)],
        "planner_wrong_kept": [
            r.text for r in scoring if not r.open_question and not r.planner_right and keeps(r, threshold)
        ],
    }
    return EvalReport(
        suite="router",
        metrics=[
            Metric(name="planner_share", value=held["planner_share"]),
            Metric(name="kept_precision", value=held["kept_precision"]),
            Metric(name="open_recall", value=held["open_recall"]),
        ],
        details=details,
    )
