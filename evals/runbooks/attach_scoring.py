"""How well the attached runbook (tools/runbooks/attach.py) picks the one right runbook: top-1
accuracy over retrieval queries, and the share answered without the embedding model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opsgraph.evals.runbooks.split import Query
from opsgraph.tools.runbooks.attach import Matcher, attach_with
from opsgraph.tools.runbooks.search import Hit, Searcher


@dataclass(frozen=True)
class AttachScores:
    n: int
    top1: float  # the attached runbook is the expected one
    model_free: float  # share answered by alert name or keywords alone
    hybrid_top1: float  # always asking the hybrid search (the model) instead, on the same queries


def attach_scores(matcher: Matcher, searcher: Searcher, queries: Sequence[Query], margin: float) -> AttachScores:
    def semantic(text: str, k: int, alerts: list[str]) -> list[Hit]:
        return list(searcher.search(text, k, alerts=alerts))

    right = free = hybrid = 0
    for query in queries:
        found = attach_with(matcher, [], query.q, 1, semantic, margin)
        right += bool(found) and found[0].runbook == query.runbook
        free += bool(found) and found[0].how != "semantic"
        best = searcher.search(query.q, 1)
        hybrid += bool(best) and best[0].runbook == query.runbook
    n = len(queries) or 1
    return AttachScores(len(queries), right / n, free / n, hybrid / n)
