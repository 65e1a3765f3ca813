"""Runbook retrieval suite: recall@3 of `runbook_search` on the project's queries.

Reports the SCORING split only (see split.py); the tuning split chose the fusion weights and the
attach keyword margin. Also reports the semantic-only baseline on the same queries, so the value of
the fusion is visible.
Needs no public data: the queries and runbooks ship with opsgraph.
"""

from __future__ import annotations

from pathlib import Path

from opsgraph.evals.base import EvalReport, Metric
from opsgraph.tools.runbooks.search import SEMANTIC_ONLY, WEIGHTS, Searcher, index_dir_for

NEEDS_DATA = False


def eval_searcher() -> Searcher:
    """A searcher over the shipped runbooks only, with its own index in the cache dir (incremental)."""
    from opsgraph.agent.settings import Settings

    return Searcher.open(index_dir_for(eval_state_dir(Settings().cache_dir)), [], shipped=True)[0]


def eval_state_dir(cache_dir: Path) -> Path:
    """Where the eval keeps its index: a state dir of its own under the cache dir."""
    return cache_dir / "runbooks-eval"


def run(data_dir: Path | None = None) -> EvalReport:
    from opsgraph.evals.runbooks.attach_scoring import attach_scores
    from opsgraph.evals.runbooks.scoring import evaluate
    from opsgraph.evals.runbooks.split import split
    from opsgraph.tools.runbooks.attach import KEYWORD_MARGIN, Matcher
    from opsgraph.tools.runbooks.documents import load_all

    parts = split()
    searcher = eval_searcher()
    searcher.search("warm up the embedder", 3)
    fused = evaluate(searcher, parts.scoring, WEIGHTS)  # first: its latencies are real (no cached queries)
    searcher.memoize_queries()
    semantic = evaluate(searcher, parts.scoring, SEMANTIC_ONLY)
    tuning = evaluate(searcher, parts.tuning, WEIGHTS)
    attach = attach_scores(Matcher(load_all([], shipped=True)), searcher, parts.scoring, KEYWORD_MARGIN)
    return EvalReport(
        suite="runbooks",
        metrics=[
            Metric(name="recall_at_3", value=fused.recall_at_3, threshold=0.95),
            Metric(name="recall_at_1", value=fused.recall_at_1),
            Metric(name="mrr", value=fused.mrr),
            Metric(name="scoring_queries", value=fused.n, threshold=80),
            Metric(name="p50_ms", value=round(fused.p50_ms, 3), higher_is_better=False),
            Metric(name="semantic_only_recall_at_3", value=semantic.recall_at_3),
            # The one runbook attached to an incident or an investigation (tools/runbooks/attach.py).
            Metric(name="attach_top1", value=round(attach.top1, 4)),
            Metric(name="attach_model_free_share", value=round(attach.model_free, 4)),
            Metric(name="attach_hybrid_top1", value=round(attach.hybrid_top1, 4)),
        ],
        details={
            "reported": "scoring split only (chose nothing); the tuning split chose the fusion weights",
            "weights": vars(WEIGHTS),
            "attach_keyword_margin": KEYWORD_MARGIN,
            "scoring_queries": fused.n,
            "tuning_queries": tuning.n,
            "tuning_recall_at_3": round(tuning.recall_at_3, 4),
            "runbooks": len(searcher.runbooks),
            "misses": fused.misses,
        },
    )
