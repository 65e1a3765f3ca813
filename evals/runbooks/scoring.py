"""Recall@k, reciprocal rank and latency of a searcher over a list of queries."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from opsgraph.evals.runbooks.split import Query
from opsgraph.tools.runbooks.search import Searcher, Weights


@dataclass
class Scores:
    n: int = 0
    hits_at_1: int = 0
    hits_at_3: int = 0
    reciprocal_ranks: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall_at_1(self) -> float:
        return self.hits_at_1 / self.n if self.n else 0.0

    @property
    def recall_at_3(self) -> float:
        return self.hits_at_3 / self.n if self.n else 0.0

    @property
    def mrr(self) -> float:
        return statistics.fmean(self.reciprocal_ranks) if self.reciprocal_ranks else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_s) * 1000 if self.latencies_s else 0.0


def evaluate(searcher: Searcher, queries: tuple[Query, ...] | list[Query], weights: Weights, *, k: int = 10) -> Scores:
    scores = Scores()
    for query in queries:
        start = time.perf_counter()
        hits = searcher.search(query.q, k, weights=weights)
        scores.latencies_s.append(time.perf_counter() - start)
        ranked = [h.runbook for h in hits]
        rank = ranked.index(query.runbook) + 1 if query.runbook in ranked else None
        scores.n += 1
        scores.hits_at_1 += rank == 1
        scores.hits_at_3 += rank is not None and rank <= 3
        scores.reciprocal_ranks.append(1 / rank if rank else 0.0)
        if rank is None or rank > 3:
            scores.misses.append({"query": query.q, "expected": query.runbook, "got": ranked[:3]})
    return scores
