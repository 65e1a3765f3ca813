"""The "nab" eval suite: opsgraph's detector on NAB's realKnownCause series, scored as NAB does.

`run(data_dir)` streams every file through a fresh detector, turns scores into alarm onsets (see
tools/anomaly/periods.py), picks one threshold per cost profile over the whole corpus (NAB's
protocol) and reports the normalised scores. Details carry the per-file breakdown and the honest
variants: plain per-row thresholding, the uncapped 15% probation, and a leave-one-file-out
threshold (chosen without the file it is scored on).
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


def run(data_dir: Path) -> EvalReport:
    from opsgraph.evals.nab.corpus import CorpusError
    from opsgraph.evals.nab.evaluate import evaluate

    nab_dir = data_dir / "nab"
    if not (nab_dir / "combined_windows.json").is_file():
        return EvalReport(suite=SUITE, skipped=f"{nab_dir} has no NAB data (combined_windows.json)")
    try:
        result = evaluate(nab_dir)
    except CorpusError as exc:
        return EvalReport(suite=SUITE, skipped=str(exc))
    metrics = [
        Metric(name="nab_standard", value=result.standard.score, threshold=THRESHOLD, anchor=ANCHOR),
        Metric(name="nab_reward_low_FP_rate", value=result.by_profile["reward_low_FP_rate"].score),
        Metric(name="nab_reward_low_FN_rate", value=result.by_profile["reward_low_FN_rate"].score),
        Metric(name="nab_standard_leave_one_file_out", value=result.leave_one_out),
        Metric(name="nab_standard_per_row_detections", value=result.per_row.score),
    ]
    return EvalReport(suite=SUITE, metrics=metrics, details=result.details())
