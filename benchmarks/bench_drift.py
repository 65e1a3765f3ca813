"""Drift check speed and verdicts: opsgraph's `drift check` (fresh process, CSV in, JSON out) vs
plain Evidently 0.7 as the seed article uses it (`Report([DataDriftPreset()]).run(current,
reference)` on frames read with pandas, in a fresh process that pays Evidently's import), on the
same synthetic data: 10k, 100k and 1M rows x 20 columns (16 numeric, 4 categorical), with 5
numeric columns and 1 categorical column shifted.

    .venv/bin/python benchmarks/bench_drift.py [--rows 10000,100000,1000000]

Verdict agreement: per-column drift flags and scores, and Evidently's dataset verdict (share of
drifted columns >= 0.5) as we compute it vs as Evidently does. Our shipped dataset verdict (the
corrected rule: any column significant after Benjamini-Hochberg, or drifted by a distance) is
printed beside it; on this data both rules are expected to differ (6 of 20 columns shifted:
share 0.3 < 0.5, so Evidently's rule says no dataset drift).
Targets (issue 13): first check of a session < 10 s at 100k rows, < 30 s at 1M rows. Each row
records the 1-minute load average before it (2 cores shared with other work): times under load
are wall-clock and grow with it; `opsgraph_cpu_s` is the CPU time of our process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _stats import write_results

BIN = Path(sys.executable).parent
EVIDENTLY = """
import json, sys, time, os
os.environ["DO_NOT_TRACK"] = "1"
started = time.perf_counter()
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
from opsgraph.tools.models.drift_evidently import from_snapshot
reference, current = pd.read_csv(sys.argv[1], engine="pyarrow"), pd.read_csv(sys.argv[2], engine="pyarrow")
snapshot = Report([DataDriftPreset()]).run(current, reference)
result = from_snapshot(snapshot.dict(), reference, current, 0.5)
print(json.dumps({"seconds": time.perf_counter() - started, **result.to_json()}))
"""


def make_files(rows: int, root: Path) -> tuple[Path, Path]:
    from opsgraph.tools.models.synthetic import Shift, apply_shift, wide_frame

    reference, current = root / f"ref-{rows}.csv", root / f"cur-{rows}.csv"
    wide_frame(rows, 1).to_csv(reference, index=False)
    shifted = apply_shift(wide_frame(rows, 2), Shift("mean", 5, 0.3), 0)
    shifted = apply_shift(shifted, Shift("category", 1, 0.3), 0)
    shifted.to_csv(current, index=False)
    return reference, current


def ours(reference: Path, current: Path) -> tuple[float, float, dict[str, object]]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "opsgraph"), "drift", "check", "--reference", str(reference), "--current", str(current), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def evidently(reference: Path, current: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", EVIDENTLY, str(reference), str(current)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return time.perf_counter() - started, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,100000,1000000")
    sizes = [int(r) for r in parser.parse_args().rows.split(",")]
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            reference, current = make_files(rows, Path(tmp))
            load_before = load()
            our_s, our_cpu, our = ours(reference, current)
            ev_s, ev = evidently(reference, current)
            ours_cols, ev_cols = our["columns"], ev["columns"]
            assert isinstance(ours_cols, dict) and isinstance(ev_cols, dict)
            agree = sum(ours_cols[c]["drift"] == ev_cols[c]["drift"] for c in ev_cols)
            max_gap = max(abs(ours_cols[c]["score"] - ev_cols[c]["score"]) for c in ev_cols)
            row = {
                "load_1min_before": load_before,
                "opsgraph_s": round(our_s, 2),
                "opsgraph_cpu_s": round(our_cpu, 2),
                "evidently_s": round(ev_s, 2),
                "speedup": round(ev_s / our_s, 1),
                "column_verdicts_agree": f"{agree}/{len(ev_cols)}",
                "dataset_verdict_agrees": our["evidently_dataset_drift"] == ev["dataset_drift"],
                "our_dataset_drift_corrected_rule": our["dataset_drift"],
                "max_score_difference": max_gap,
                "drifted_ours": our["drifted_columns"],
                "drifted_evidently": ev["drifted_columns"],
            }
            out[str(rows)] = row
            print(f"{rows:>8} rows (load {load_before:.1f}): opsgraph {our_s:6.2f} s ({our_cpu:.2f} s CPU), "
                  f"Evidently {ev_s:6.2f} s ({row['speedup']}x); "
                  f"columns agree {row['column_verdicts_agree']}, dataset verdict agrees "
                  f"{row['dataset_verdict_agrees']}, max score gap {max_gap:.2e}; corrected-rule dataset drift "
                  f"{our['dataset_drift']}", flush=True)  # fmt: skip
    write_results("drift", out)


if __name__ == "__main__":
    main()
