"""Check the Rego engine on the references: plan every task's reference output and evaluate its own
intent. Every reference should pass its own intent; this counts how many do, and why the others
do not (plan failed offline, providers outside the mirror, Rego errors, intent false).

    python -m opsgraph.evals.iac.references [--tasks FILE.csv] [--json]

Only counts and reasons are printed, never a reference or an intent: nothing here feeds the
templates.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from opsgraph.evals.iac.rego import evaluate
from opsgraph.evals.iac.tasks import read_tasks


def check_references(tasks_file: Path, state_dir: Path) -> dict[str, object]:
    from opsgraph.tools.terraform.settings import TerraformSettings
    from opsgraph.tools.terraform.tf_batch import check_many
    from opsgraph.tools.terraform.tf_runner import TerraformRunner

    tasks = read_tasks(tasks_file)
    runner = TerraformRunner(TerraformSettings(checkov=False), state_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="refs-") as tmp:
        dirs = {}
        for task in tasks:
            d = Path(tmp) / f"t{task.index:04d}"
            d.mkdir()
            (d / "main.tf").write_text(task.reference, encoding="utf-8")
            dirs[str(task.index)] = d
        outcomes = check_many(runner, dirs)
    reasons: Counter[str] = Counter()
    by_difficulty: dict[str, Counter[str]] = {}
    for task in tasks:
        outcome = outcomes[str(task.index)]
        if not outcome.planned:
            first = outcome.errors[0].summary if outcome.errors else "plan failed"
            reason = "providers outside the offline mirror" if "mirror" in first else "plan failed offline"
        else:
            verdict = evaluate(task.intent, outcome.plan or {})
            reason = "holds" if verdict.holds else ("rego error" if verdict.error else "intent false")
        reasons[reason] += 1
        by_difficulty.setdefault(task.difficulty, Counter())[reason] += 1
    return {
        "tasks": len(tasks),
        "reasons": dict(reasons),
        "by_difficulty": {k: dict(v) for k, v in sorted(by_difficulty.items())},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.evals.base import shared_data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=None)
    args = parser.parse_args()
    data = shared_data_dir()
    tasks = args.tasks or (data / "iac_eval" / "iac_eval_dev.csv" if data else None)
    if tasks is None or not tasks.exists():
        raise SystemExit("no tasks file (give --tasks, or put ../shared/data beside the project)")
    print(json.dumps(check_references(tasks, Settings().ensure_state_dir()), indent=1))


if __name__ == "__main__":
    main()
