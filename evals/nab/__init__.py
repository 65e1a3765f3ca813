"""The "nab" eval suite: opsgraph's detector on every NAB category, leave one category out.

`run(data_dir)` streams every file of every category through a fresh detector, turns scores into
the alarms the detector raises (an alarm, then none for a refractory period: evals/nab/alarms.py),
and for each category chooses the threshold and the refractory period on the other categories
only (evals/nab/categories.py). The metric with the threshold is the pooled held-out standard
score; each category's held-out score follows. The in-sample number (settings optimised over the
files they score, NAB's own protocol) is reported for comparison only: it is what choosing on
the scored data flatters.
"""

from __future__ import annotations

from pathlib import Path

from opsgraph.evals.base import EvalReport, Metric

SUITE = "nab"
THRESHOLD = 70.0
ANCHOR = (
    "NAB scoreboard, standard profile, full 58-file corpus: ARTime 74.9, Numenta HTM 70.5, CAD OSE 69.9, "
    "KNN CAD 58.0, Random Cut Forest 51.7, Twitter ADVec 47.1, Windowed Gaussian 39.6"
)

# Random Cut Forest per category: NAB's published per-file raw standard scores (numenta/NAB
# results/randomCutForest/randomCutForest_standard_scores.csv, threshold optimised by NAB on its
# whole corpus) summed per category and normalised by our scorer. A fixed published baseline,
# the bar for every category; RCF raises no alarm on artificialNoAnomaly.
RANDOM_CUT_FOREST = {
    "artificialWithAnomaly": 15.51,
    "realAdExchange": 62.77,
    "realKnownCause": 43.08,
    "realTraffic": 63.83,
    "realTweets": 48.13,
}


def run(data_dir: Path) -> EvalReport:
    from opsgraph.evals.nab.categories import evaluate_categories, number
    from opsgraph.evals.nab.corpus import CorpusError

    nab_dir = data_dir / "nab"
    if not (nab_dir / "combined_windows.json").is_file():
        return EvalReport(suite=SUITE, skipped=f"{nab_dir} has no NAB data (combined_windows.json)")
    try:
        results, facts = evaluate_categories(nab_dir)
    except CorpusError as exc:
        return EvalReport(suite=SUITE, skipped=str(exc))
    standard = results["standard"]
    metrics = [
        Metric(name="nab_standard", value=round(standard.pooled, 2), threshold=THRESHOLD, anchor=ANCHOR),
        Metric(name="nab_standard_mean_of_categories", value=round(standard.mean, 2)),
    ]
    metrics += [
        Metric(name=f"nab_standard_{c.category}", value=round(c.score, 2))
        for c in standard.categories
        if number(c.score) is not None
    ]
    # A category with no window has no NAB score: its false alarms are what it measures.
    metrics += [
        Metric(name=f"nab_{c.category}_false_positives", value=c.fp, higher_is_better=False)
        for c in standard.categories
        if number(c.score) is None
    ]
    metrics += [
        Metric(name=f"nab_{name}", value=round(result.pooled, 2))
        for name, result in results.items()
        if name != "standard"
    ]
    metrics.append(Metric(name="nab_standard_in_sample", value=round(standard.in_sample, 2)))
    details = {
        "protocol": "leave one category out: each category scored at a threshold and refractory period "
        "chosen on the other five; other detector settings a priori, identical in every fold; pooled = "
        "held-out raw scores summed, normalised over the whole corpus",
        "categories": {
            c.category: {
                "files": c.files,
                "threshold_from_other_categories": round(c.threshold, 4),
                "refractory_hours_from_other_categories": round(c.refractory_s / 3600.0, 2),
                "score": number(c.score),
                "score_if_tuned_on_itself": number(c.in_sample),
                "raw": round(c.raw, 3),
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
                "random_cut_forest": RANDOM_CUT_FOREST.get(c.category),
            }
            for c in standard.categories
        },
        **facts,
    }
    return EvalReport(suite=SUITE, metrics=metrics, details=details)
