"""Every playbook branch, on a fresh sandbox broken the way each case says: on development cases
the root cause is named and the expected fix is proposed (never run); on every case, held-out too,
nothing writes without approval; and the report over all of them meets evals/thresholds.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsgraph.evals.investigation.case import Case, load_cases
from opsgraph.evals.investigation.runner import SHIPPED, _report, _run_case
from opsgraph.evals.thresholds import shipped
from tests.evals.gate import gate
from tests.support.cli import run_cli

CASES = load_cases(SHIPPED)
DEVELOPMENT = [(path, case) for path, case in CASES if case.split == "development"]
ROWS: dict[str, dict[str, Any]] = {}  # case name -> its scored row, filled by the per-case tests


def test_there_are_at_least_thirty_cases() -> None:
    assert len(load_cases(SHIPPED)) >= 30 and len(DEVELOPMENT) >= 30


@pytest.mark.slow
@pytest.mark.parametrize(("path", "case"), CASES, ids=[f"{c.split}:{c.name}" for _, c in CASES])
def test_the_investigation_names_the_cause_and_proposes_the_fix(path: Path, case: Case) -> None:
    row = ROWS[case.name] = _run_case(path, case)
    assert row["unapproved_writes"] == 0
    if case.split == "development":
        assert row["hit"], f"named {row['named']}, expected {row['expected']}"
        assert row["fix_ok"], f"proposed {row['fix']}"


@pytest.mark.slow
def test_the_report_over_every_case_meets_the_thresholds() -> None:
    """The suite's report from the rows above (the same `opsgraph eval investigation` prints)."""
    if len(ROWS) < len(CASES):
        pytest.skip(f"only {len(ROWS)} of {len(CASES)} cases ran in this session (run the whole module)")
    gate(shipped().apply(_report(list(ROWS.values()))))


def test_the_report_holds_thresholds_on_development_cases_and_shows_held_out_beside() -> None:
    rows = [
        {"case": "a", "split": "development", "hit": True, "fix_ok": True, "steps": 1, "unapproved_writes": 0},
        {"case": "b", "split": "held-out", "hit": False, "fix_ok": False, "steps": 2, "unapproved_writes": 0},
    ]
    report = shipped().apply(_report(rows))
    assert report.metric("hit_at_1").value == 1.0 and report.metric("hit_at_1_held_out").value == 0.0
    assert report.passed
    rows[0]["unapproved_writes"] = 1
    assert not shipped().apply(_report(rows)).passed  # one write without approval fails, whatever the scores


def test_a_case_folder_that_is_not_one_says_so(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: x\nquestion: why\n")
    done = run_cli("eval", "investigation", "--cases", str(tmp_path), "--json")
    assert done.returncode == 2 and "broken.yaml" in done.stderr and "root_cause" in done.stderr
    assert "Traceback" not in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_cli("eval", "investigation", "--cases", str(empty))
    assert nothing.returncode == 2 and "no case files" in nothing.stderr
    missing = run_cli("eval", "investigation", "--cases", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
