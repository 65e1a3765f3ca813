"""The IaC-Eval harness on a tasks file the test writes (our own prompts and Rego intents), and the
fixed split of the development set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from opsgraph.evals.iac.rego import evaluate
from opsgraph.evals.iac.suite import run
from opsgraph.evals.iac.tasks import read_tasks, split_of

BUCKET_VERSIONED = """package terraform.validation
default has_bucket = false
has_bucket {
    some i
    r := input.resource_changes[i]
    r.type == "aws_s3_bucket"
    r.change.after.bucket == "acme-eval-bucket"
}
default versioned = false
versioned {
    some i
    r := input.resource_changes[i]
    r.type == "aws_s3_bucket_versioning"
    r.change.after.versioning_configuration[0].status == "Enabled"
}
"""
NEEDS_DYNAMO = """package terraform.validation
import rego.v1
default has_table := false
has_table if {
    some r in input.resource_changes
    r.type == "aws_dynamodb_table"
}
"""


def test_rego_verdicts_follow_the_leaves_of_data() -> None:
    plan = {"resource_changes": [{"type": "aws_s3_bucket", "change": {"after": {"bucket": "acme-eval-bucket"}}}]}
    assert evaluate(NEEDS_DYNAMO, plan).holds is False
    assert evaluate(NEEDS_DYNAMO.replace("aws_dynamodb_table", "aws_s3_bucket"), plan).holds is True
    broken = evaluate("package x\nthis is not rego", plan)
    assert broken.holds is False and broken.error


def test_the_split_is_fixed_by_the_prompt_alone() -> None:
    assert split_of("Create a S3 bucket") == split_of("  Create a S3 bucket ")
    parts = {split_of(f"request number {i}") for i in range(40)}
    assert parts == {"design", "holdout"}


def test_the_development_set_splits_about_in_half(shared_data: Path) -> None:
    tasks = read_tasks(shared_data / "iac_eval" / "iac_eval_dev.csv")
    holdout = sum(t.part == "holdout" for t in tasks)
    assert len(tasks) == 227 and 90 < holdout < 137


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Resource", "Prompt", "Rego intent", "Difficulty", "Reference output", "Intent"])
        for prompt, intent, difficulty in rows:
            writer.writerow(["", prompt, intent, difficulty, "", ""])
    return path


@pytest.mark.slow
def test_the_harness_plans_generated_terraform_and_checks_each_intent(tmp_path: Path) -> None:
    tasks = _write(
        tmp_path / "tasks.csv",
        [
            ("an s3 bucket named acme-eval-bucket", BUCKET_VERSIONED, "1"),
            ("an s3 bucket named acme-eval-other", BUCKET_VERSIONED, "2"),
            ("a dynamodb table for sessions", NEEDS_DYNAMO, "3"),
        ],
    )
    report = run(None, tasks=tasks)
    rows = {t["index"]: t for t in report.details["tasks"]}
    assert rows[0]["passed"] and rows[0]["reason"] == "passed"
    assert rows[1]["planned"] and not rows[1]["passed"] and rows[1]["reason"] == "intent does not hold"
    assert not rows[2]["attempted"] and rows[2]["reason"] == "not covered by the templates"
    assert report.metric("pass_rate_all").value == pytest.approx(1 / 3, abs=1e-3)
    assert report.metric("seconds_per_task").value > 0


def test_a_csv_that_is_not_iac_eval_is_refused(tmp_path: Path) -> None:
    from opsgraph.evals.base import SuiteOptionError

    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SuiteOptionError, match="missing columns"):
        run(None, tasks=bad)
