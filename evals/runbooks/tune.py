"""Choose the fusion weights on the TUNING split only: `python -m opsgraph.evals.runbooks.tune`.

Grid over the keyword and alert weights (semantic fixed at 1): the best recall@3, ties broken by
MRR, then by the smaller keyword weight, then by the LARGER alert weight. The last is a prior, not
a measurement: when the tuning queries cannot tell alert weights apart, a runbook that lists the
alert by name should rank first (2.0 outweighs any semantic + keyword score). Prints the choice;
copy it into tools/runbooks/search.py `WEIGHTS` by hand (the scoring split never sees this loop).
"""

from __future__ import annotations

import itertools
import sys

from opsgraph.evals.runbooks import eval_searcher
from opsgraph.evals.runbooks.scoring import evaluate
from opsgraph.evals.runbooks.split import split
from opsgraph.tools.runbooks.search import Weights

KEYWORD = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
ALERT = (0.0, 0.25, 0.5, 1.0, 2.0)


def tune() -> tuple[Weights, list[tuple[Weights, float, float]]]:
    searcher = eval_searcher()
    searcher.memoize_queries()  # the grid re-asks the same queries; embed each once
    tuning = split().tuning
    table = []
    for kw, alert in itertools.product(KEYWORD, ALERT):
        weights = Weights(semantic=1.0, keyword=kw, alert=alert)
        scores = evaluate(searcher, tuning, weights)
        table.append((weights, scores.recall_at_3, scores.mrr))
    best = max(table, key=lambda row: (row[1], row[2], -row[0].keyword, row[0].alert))
    return best[0], table


def main() -> None:
    best, table = tune()
    for weights, recall, mrr in table:
        sys.stdout.write(f"keyword={weights.keyword:<5} alert={weights.alert:<5} recall@3={recall:.3f} mrr={mrr:.3f}\n")
    sys.stdout.write(f"best on the tuning split ({len(split().tuning)} queries): {best}\n")


if __name__ == "__main__":
    main()
