"""`opsgraph drift check`, run the way a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsgraph.tools.models.synthetic import Shift, apply_shift, wide_frame
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("drift-cli")
    reference = wide_frame(3000, 1)
    out = {"reference": root / "reference.csv", "drifted": root / "drifted.csv", "fresh": root / "fresh.csv"}
    reference.to_csv(out["reference"], index=False)
    apply_shift(wide_frame(3000, 2), Shift("mean", 12, 0.5), 0).to_csv(out["drifted"], index=False)
    wide_frame(3000, 3).to_csv(out["fresh"], index=False)
    return out


def test_two_files_json_contract(files: dict[str, Path]) -> None:
    done = run_cli(
        "drift", "check", "--reference", str(files["reference"]), "--current", str(files["drifted"]), "--json"
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["dataset_drift"] is True and doc["drift_share"] == pytest.approx(12 / 20)
    assert len(doc["columns"]) == 20 and doc["columns"]["num_0"]["drift"] is True
    assert {"method", "score", "threshold", "drift"} <= set(doc["columns"]["cat_0"])
    fresh = run_cli(
        "drift", "check", "--reference", str(files["reference"]), "--current", str(files["fresh"]), "--json"
    )
    assert json.loads(fresh.stdout)["dataset_drift"] is False


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "not a readable CSV"),
        ("num_0\n1\n2\n", "missing columns"),
        (None, "does not exist"),
    ],
)
def test_bad_current_files_get_one_line_errors(
    files: dict[str, Path], tmp_path: Path, content: str | None, expected: str
) -> None:
    bad = tmp_path / "bad.csv"
    if content is not None:
        bad.write_text(content)
    done = run_cli("drift", "check", "--reference", str(files["reference"]), "--current", str(bad), "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and expected in done.stderr and done.stderr.count("\n") == 1


def test_model_or_reference_not_both(files: dict[str, Path]) -> None:
    done = run_cli("drift", "check", "--model", "x", "--reference", str(files["reference"]), "--current", "y")
    assert done.returncode == 2 and "not both" in done.stderr


@pytest.mark.slow
def test_check_by_model_name_from_the_cli(registry_state: Path) -> None:
    done = run_cli("drift", "check", "--model", "fraud-detector", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["drifted_columns"] == ["amount", "merchant_category"] and doc["model"] == "fraud-detector"
    unknown = run_cli("drift", "check", "--model", "nope", "--current", "x.csv")
    assert unknown.returncode == 2 and "no registered model named 'nope'" in unknown.stderr
