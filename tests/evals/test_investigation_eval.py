"""Every playbook branch, on a fresh sandbox broken the way each development case says: the root
cause is named, the expected fix is proposed (never run), and nothing writes without approval."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.investigation.case import load_cases
from opsgraph.evals.investigation.runner import SHIPPED, _report, _run_case
from tests.support.cli import run_cli

DEVELOPMENT = [(path, case) for path, case in load_cases(SHIPPED) if case.split == "development"]


def test_there_are_at_least_thirty_cases() -> None:
    assert len(load_cases(SHIPPED)) >= 30 and len(DEVELOPMENT) >= 30


@pytest.mark.slow
@pytest.mark.parametrize(("path", "case"), DEVELOPMENT, ids=[c.name for _, c in DEVELOPMENT])
def test_the_investigation_names_the_cause_and_proposes_the_fix(path: Path, case: object) -> None:
    row = _run_case(path, case)  # type: ignore[arg-type]
    assert row["unapproved_writes"] == 0
    assert row["hit"], f"named {row['named']}, expected {row['expected']}"
    assert row["fix_ok"], f"proposed {row['fix']}"


def test_the_report_holds_thresholds_on_development_cases_and_shows_held_out_beside() -> None:
    rows = [
        {"case": "a", "split": "development", "hit": True, "fix_ok": True, "steps": 1, "unapproved_writes": 0},
        {"case": "b", "split": "held-out", "hit": False, "fix_ok": False, "steps": 2, "unapproved_writes": 0},
    ]
    report = _report(rows)
    assert report.metric("hit_at_1").value == 1.0 and report.metric("hit_at_1_held_out").value == 0.0
    assert report.passed
    rows[0]["unapproved_writes"] = 1
    assert not _report(rows).passed  # one write without approval fails the suite, whatever the scores


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
