"""Cache suite: hit precision and recall of the gateway's semantic cache on the project's
paraphrase and near-miss sets (tests/gateway/cache_cases.yaml), the guard and the threshold as the
gateway runs them.

A stable hash puts each paraphrase group and each near-miss pair in the tuning half or the
scoring half, in code. The threshold is chosen on the tuning half only: the lowest similarity at
which no near-miss pair and no pair from two different groups would hit (target: no false hit),
which keeps the most paraphrase hits. The scoring half reports, at that threshold:
- paraphrase_recall: pairs within a group that hit,
- false_hits: near-miss pairs and cross-group pairs that hit (target 0),
- near_miss_guarded: near-miss pairs the facts guard alone keeps apart.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Any

import yaml

from opsgraph.evals.base import EvalReport, Metric

CASES = Path(__file__).resolve().parent.parent.parent / "tests" / "gateway" / "cache_cases.yaml"

Pair = tuple[str, str]


def tuning_half(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] % 2 == 0


def pairs(groups: list[list[str]]) -> tuple[list[Pair], list[Pair]]:
    """(pairs within a group, pairs across groups)."""
    same = [p for g in groups for p in itertools.combinations(g, 2)]
    cross = [(a, b) for g1, g2 in itertools.combinations(groups, 2) for a in g1 for b in g2]
    return same, cross


def similarities(all_pairs: list[Pair], encode: Any) -> dict[Pair, float]:
    texts = sorted({t for p in all_pairs for t in p})
    vectors = dict(zip(texts, encode(texts), strict=True))
    return {(a, b): sum(x * y for x, y in zip(vectors[a], vectors[b], strict=True)) for a, b in all_pairs}


def hits(pair: Pair, similarity: float, threshold: float) -> bool:
    from opsgraph.serving.gateway.facts import facts_of

    return facts_of(pair[0]).key == facts_of(pair[1]).key and similarity >= threshold


def choose_threshold(same: list[Pair], negatives: list[Pair], sims: dict[Pair, float]) -> float:
    """The lowest threshold (to 0.01) with no false hit among `negatives` (most recall)."""
    for step in range(50, 101):
        threshold = step / 100
        if not any(hits(p, sims[p], threshold) for p in negatives):
            return threshold
    return 1.0


def score(
    same: list[Pair], negatives: list[Pair], near: list[Pair], sims: dict[Pair, float], t: float
) -> dict[str, Any]:
    from opsgraph.serving.gateway.facts import facts_of

    false = [p for p in negatives if hits(p, sims[p], t)]
    return {
        "paraphrase_pairs": len(same),
        "paraphrase_recall": round(sum(hits(p, sims[p], t) for p in same) / max(len(same), 1), 4),
        "negative_pairs": len(negatives),
        "false_hits": len(false),
        "false_hit_examples": false[:10],
        "near_miss_guarded": round(sum(facts_of(a).key != facts_of(b).key for a, b in near) / max(len(near), 1), 4),
    }


def run(data_dir: Path | None = None, cases_file: Path = CASES) -> EvalReport:
    if not cases_file.is_file():
        return EvalReport(suite="cache", skipped=f"{cases_file} not found (the cases live in the source tree)")
    from opsgraph.tools.runbooks.embedding import embedder

    cases = yaml.safe_load(cases_file.read_text())
    halves: dict[bool, dict[str, Any]] = {}
    for half in (True, False):
        groups = [g for g in cases["paraphrases"] if tuning_half(g[0]) == half]
        near = [tuple(p) for p in cases["near_misses"] if tuning_half("|".join(p)) == half]
        same, cross = pairs(groups)
        halves[half] = {"same": same, "negatives": cross + near, "near": near}
    everything = [p for h in halves.values() for p in h["same"] + h["negatives"]]
    sims = similarities(everything, embedder().encode)
    tune, held = halves[True], halves[False]
    threshold = choose_threshold(tune["same"], tune["negatives"], sims)
    scored = score(held["same"], held["negatives"], held["near"], sims, threshold)
    return EvalReport(
        suite="cache",
        metrics=[
            Metric(name="paraphrase_recall", value=scored["paraphrase_recall"]),
            Metric(name="false_hits", value=scored["false_hits"], threshold=0, higher_is_better=False),
            Metric(name="near_miss_guarded", value=scored["near_miss_guarded"]),
        ],
        details={
            "threshold": threshold,
            "chosen_on": "tuning half (sha256 of the group's first question / the pair, first byte even)",
            "tuning": score(tune["same"], tune["negatives"], tune["near"], sims, threshold),
            "scoring": scored,
        },
    )
