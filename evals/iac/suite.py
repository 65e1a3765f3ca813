"""`opsgraph eval iac [--tasks FILE.csv] [--limit N]`: the IaC-Eval harness.

For each task: generate with the configured generator (the templates; with `OPSGRAPH_BRAIN=llm`,
the model drafts what the templates do not cover), plan offline, and evaluate the task's Rego intent
against `terraform show -json` of the plan (regopy). A task passes when the plan succeeds and the
intent holds. IaC-Eval tasks are AWS Terraform by definition, so databases default to AWS there.

Which data chose what (see tasks.py): the `design` half of the file (by a hash of each prompt) is
the only part whose prompts were read while choosing which components the templates cover; the
`holdout` half chose nothing and is the headline. Nobody read reference outputs or Rego intents
of either half to write templates.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.evals.base import EvalReport, Metric
from opsgraph.evals.iac.rego import evaluate
from opsgraph.evals.iac.tasks import IacTask, TaskFileError, read_tasks

ANCHOR = "IaC-Eval paper: GPT-4 pass@1 19.36%; IaCForge: Qwen2.5-Coder-32B 14.6%"
# The default run (the dev set, no --tasks) scores the first 40 tasks of each part, so it fits in CI;
# `--limit 1000` scores every task.
DEFAULT_LIMIT = 40


class IacEvalError(ValueError):
    """The tasks file cannot be used."""


@dataclass
class TaskResult:
    task: IacTask
    attempted: bool = False
    planned: bool = False
    holds: bool = False
    reason: str = ""
    generator: str = "templates"

    @property
    def passed(self) -> bool:
        return self.planned and self.holds

    def row(self) -> dict[str, Any]:
        return {
            "index": self.task.index,
            "part": self.task.part,
            "difficulty": self.task.difficulty,
            "attempted": self.attempted,
            "planned": self.planned,
            "passed": self.passed,
            "reason": self.reason,
            "generator": self.generator,
        }


def run(data_dir: Path | None = None, tasks: Path | None = None, limit: int | None = None) -> EvalReport:
    path = tasks or (data_dir / "iac_eval" / "iac_eval_dev.csv" if data_dir else None)
    if path is None or not path.exists():
        return EvalReport(suite="iac", skipped=f"no IaC-Eval tasks file ({path or 'give --tasks FILE.csv'})")
    try:
        all_tasks = read_tasks(path)
    except TaskFileError as exc:
        from opsgraph.evals.base import SuiteOptionError

        raise SuiteOptionError(str(exc)) from exc
    if limit is None and tasks is None:
        limit = DEFAULT_LIMIT
    chosen = _sample(all_tasks, limit)
    started = time.perf_counter()
    from opsgraph.tools.terraform.tf_runner import TerraformUnavailable

    try:
        results = score(chosen)
    except TerraformUnavailable as exc:
        return EvalReport(suite="iac", skipped=f"cannot plan here: {exc}")
    elapsed = time.perf_counter() - started
    return _report(path, results, elapsed, limit)


def _sample(tasks: list[IacTask], limit: int | None) -> list[IacTask]:
    if limit is None:
        return tasks
    by_part: dict[str, list[IacTask]] = defaultdict(list)
    for task in tasks:
        if len(by_part[task.part]) < limit:
            by_part[task.part].append(task)
    return sorted((t for part in by_part.values() for t in part), key=lambda t: t.index)


def score(tasks: list[IacTask]) -> list[TaskResult]:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.terraform.parse import SpecQuestion, Unsupported, parse_request
    from opsgraph.tools.terraform.render import render
    from opsgraph.tools.terraform.settings import TerraformSettings
    from opsgraph.tools.terraform.tf_batch import check_many
    from opsgraph.tools.terraform.tf_runner import TerraformRunner

    settings = Settings()
    tf_settings = TerraformSettings(checkov=False)
    results = {t.index: TaskResult(t) for t in tasks}
    runner = TerraformRunner(tf_settings, settings.ensure_state_dir())
    with tempfile.TemporaryDirectory(prefix="iac-eval-") as tmp:
        dirs: dict[str, Path] = {}
        uncovered: list[IacTask] = []
        for task in tasks:
            try:
                files = render(parse_request(task.prompt, platform="aws", default_region=tf_settings.default_region))
            except SpecQuestion as question:
                results[task.index].reason = f"asked: {question.missing}"
                uncovered.append(task)
                continue
            except Unsupported:
                results[task.index].reason = "not covered by the templates"
                uncovered.append(task)
                continue
            tf_files = {rel: text for rel, text in files.items() if rel.startswith("terraform/")}
            if not tf_files:
                results[task.index].reason = "no Terraform in the bundle"
                continue
            target = Path(tmp) / f"t{task.index:04d}"
            target.mkdir()
            for rel, text in tf_files.items():
                (target / Path(rel).name).write_text(text, encoding="utf-8")
            dirs[str(task.index)] = target
            results[task.index].attempted = True
        outcomes = check_many(runner, dirs) if dirs else {}
        for key, outcome in outcomes.items():
            _judge(
                results[int(key)], outcome.planned, outcome.plan, outcome.errors[0].summary if outcome.errors else ""
            )
        if settings.brain == "llm" and uncovered:
            _model_path(uncovered, results, settings, tf_settings, Path(tmp))
    return [results[t.index] for t in tasks]


def _judge(result: TaskResult, planned: bool, plan: dict[str, Any] | None, error: str) -> None:
    result.planned = planned
    if not planned:
        result.reason = f"plan failed: {error}"[:160]
        return
    verdict = evaluate(result.task.intent, plan or {})
    result.holds = verdict.holds
    result.reason = "passed" if verdict.holds else (verdict.error or "intent does not hold")


def _model_path(
    tasks: list[IacTask], results: dict[int, TaskResult], settings: Any, tf_settings: Any, tmp: Path
) -> None:
    """The model drafts what the templates do not cover; the validation loop repairs or rejects."""
    from opsgraph.tools.terraform.draft import ModelClient, ModelUnavailable, draft_and_repair
    from opsgraph.tools.terraform.validate import Validator

    client = ModelClient.from_settings(settings)
    validator = Validator(tf_settings, settings.state_dir)
    for task in tasks:
        result = results[task.index]
        result.attempted, result.generator = True, "llm"
        stage = tmp / f"llm-{task.index:04d}"
        try:
            drafted = draft_and_repair(task.prompt, client, validator, stage, tf_settings.llm_rounds)
        except ModelUnavailable as exc:
            result.reason = f"model unavailable: {exc}"[:160]
            continue
        if not drafted.validation.valid:
            result.reason = "model output rejected after repair rounds"
            continue
        outcome = validator.runner().check(stage / "terraform")
        _judge(result, outcome.planned, outcome.plan, outcome.errors[0].summary if outcome.errors else "")
        shutil.rmtree(stage, ignore_errors=True)


def _rate(results: list[TaskResult]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 0.0


def _report(path: Path, results: list[TaskResult], elapsed: float, limit: int | None) -> EvalReport:
    holdout = [r for r in results if r.task.part == "holdout"]
    design = [r for r in results if r.task.part == "design"]
    attempted = [r for r in holdout if r.attempted]
    metrics = [
        Metric(name="pass_rate", value=round(_rate(holdout), 4), anchor=ANCHOR),
        Metric(name="coverage", value=round(len(attempted) / len(holdout), 4) if holdout else 0.0),
        Metric(name="pass_rate_attempted", value=round(_rate(attempted), 4)),
        Metric(name="pass_rate_design", value=round(_rate(design), 4)),
        Metric(name="pass_rate_all", value=round(_rate(results), 4)),
        Metric(
            name="seconds_per_task", value=round(elapsed / len(results), 3) if results else 0.0, higher_is_better=False
        ),
        Metric(name="holdout_tasks", value=float(len(holdout))),
    ]
    by_difficulty: dict[str, dict[str, float]] = {}
    for part, rows in (("holdout", holdout), ("design", design)):
        groups: dict[str, list[TaskResult]] = defaultdict(list)
        for r in rows:
            groups[r.task.difficulty].append(r)
        for difficulty, group in sorted(groups.items()):
            by_difficulty.setdefault(part, {})[difficulty] = round(_rate(group), 4)
    reasons = Counter(r.reason.split(":")[0] for r in holdout)
    return EvalReport(
        suite="iac",
        metrics=metrics,
        details={
            "tasks_file": str(path),
            "limit_per_part": limit,
            "split": "sha256 of the prompt: design = prompts read while choosing template coverage; holdout = scored",
            "pass_rate_by_difficulty": by_difficulty,
            "holdout_reasons": dict(reasons.most_common()),
            "seconds_total": round(elapsed, 1),
            "tasks": [r.row() for r in results],
        },
    )
