"""The seed's request through `opsgraph tf generate --json`, as a person runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsgraph.tools.terraform.settings import TerraformSettings
from tests.support.cli import run_cli
from tests.terraform.conftest import CHECKOV_HOME, SEED, SEED_TREE


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tf_settings: TerraformSettings, tf_state: Path) -> None:
    monkeypatch.setenv("OPSGRAPH_STATE_DIR", str(tf_state))
    monkeypatch.setenv("OPSGRAPH_TERRAFORM_CHECKOV_HOME", str(CHECKOV_HOME))


@pytest.mark.slow
@pytest.mark.usefixtures("cli_env")
def test_the_seed_request_writes_the_seed_tree_validated_planned_and_checked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli("tf", "generate", SEED, "--out", str(out), "--json", timeout=600)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == {"valid", "files", "checks"}, "the DESIGN.md contract, exactly"
    assert doc["valid"] is True
    assert set(doc["files"]) == SEED_TREE
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == SEED_TREE
    failed = [c for c in doc["checks"] if not c["passed"]]
    assert not failed
    ids = {c["id"] for c in doc["checks"]}
    assert {"TF_VALIDATE", "TF_PLAN", "OG_BACKUP_RETENTION", "OG_NO_PUBLIC_BUCKET", "OG_ENCRYPTED"} <= ids
    assert {"K8S_SCHEMA", "K8S_NETPOL_RESTRICTED", "K8S_NETPOL_NAMESPACES"} <= ids
    assert sum(c["source"] == "checkov" for c in doc["checks"]) > 100
    assert all(c.get("file") and c.get("line") for c in doc["checks"] if c["source"] in ("checkov", "opsgraph"))
    located = [c for c in doc["checks"] if c.get("file")]
    assert all((out / c["file"]).is_file() for c in located), "every location names a file of the bundle"
    plan = next(c for c in doc["checks"] if c["id"] == "TF_PLAN")
    assert plan["message"].startswith("plan: 9 to add")
    retention = next(c for c in doc["checks"] if c["id"] == "OG_BACKUP_RETENTION")
    assert "30 days" in retention["message"] and retention["file"] == "terraform/database.tf"
    policy = (out / "kubernetes/networkpolicy.yaml").read_text()
    assert "kubernetes.io/metadata.name: backend" in policy
    assert "schedule: 0 2 * * *" in (out / "kubernetes/backup-cronjob.yaml").read_text()

    again = run_cli("tf", "generate", SEED, "--out", str(out), "--json", timeout=600)
    assert again.returncode == 0, "regenerating into the same directory is a no-op, not a conflict"


def test_a_contradiction_is_a_question_with_its_own_exit_code(tmp_path: Path) -> None:
    done = run_cli(
        "tf", "generate", "postgres on rds accessible only from 10.0.0.0/8 and publicly accessible",
        "--out", str(tmp_path / "out"), "--json",
    )  # fmt: skip
    assert done.returncode == 3
    doc = json.loads(done.stdout)
    assert doc["valid"] is False and doc["files"] == []
    (ask,) = doc["checks"]
    assert ask["id"] == "QUESTION" and ask["resource"] == "access" and "?" in ask["message"]
    assert not (tmp_path / "out").exists()


def test_an_uncovered_request_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("tf", "generate", "a lambda function that resizes images", "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "do not cover lambda" in done.stderr and "Traceback" not in done.stderr


def test_a_file_as_output_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    done = run_cli("tf", "generate", SEED, "--out", str(target))
    assert done.returncode == 2 and "is a file" in done.stderr
