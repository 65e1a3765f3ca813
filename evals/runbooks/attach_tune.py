"""Choose `KEYWORD_MARGIN` (tools/runbooks/attach.py) on the TUNING split only:
`python -m opsgraph.evals.runbooks.attach_tune`.

The rule, fixed before looking: the smallest margin (the most answers without the model) whose
attach top-1 on the tuning queries is at least the hybrid search's top-1 on the same queries
(using keywords alone must cost no accuracy against always asking the model). Prints the grid and
the choice; copy it into attach.py by hand (the scoring split never sees this loop).
"""

from __future__ import annotations

import sys

from opsgraph.evals.runbooks import eval_searcher
from opsgraph.evals.runbooks.attach_scoring import AttachScores, attach_scores
from opsgraph.evals.runbooks.split import split
from opsgraph.tools.runbooks.attach import Matcher
from opsgraph.tools.runbooks.documents import load_all

MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)


def tune() -> tuple[float, list[tuple[float, AttachScores]]]:
    searcher = eval_searcher()
    searcher.memoize_queries()
    matcher = Matcher(load_all([], shipped=True))
    tuning = split().tuning
    table = [(m, attach_scores(matcher, searcher, tuning, m)) for m in MARGINS]
    good = [m for m, s in table if s.top1 >= s.hybrid_top1]
    return (min(good) if good else MARGINS[-1]), table


def main() -> None:
    best, table = tune()
    for margin, s in table:
        sys.stdout.write(
            f"margin={margin:<5} top1={s.top1:.3f} model_free={s.model_free:.3f} hybrid_top1={s.hybrid_top1:.3f}\n"
        )
    sys.stdout.write(f"chosen on the tuning split ({table[0][1].n} queries): KEYWORD_MARGIN = {best}\n")


if __name__ == "__main__":
    main()
