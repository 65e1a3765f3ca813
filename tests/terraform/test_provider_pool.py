"""Attached providers (TF_REATTACH_PROVIDERS): the same verdicts as terraform's normal path, a dead
or already-configured provider falls back to it, and no provider outlives the process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsgraph.tools.terraform import provider_pool
from opsgraph.tools.terraform.offline import make_offline
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.tf_runner import PlanOutcome, TerraformRunner

HEAD = 'provider "aws" {\n  region = "eu-west-1"\n}\n'
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-pool-test-logs"\n}\n'
CONFIGS = {
    "valid": HEAD + BUCKET,
    "pinned": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 5.0, < 6.0" }\n'
    "  }\n}\n" + HEAD + BUCKET,
    # terraform validate fails: an argument the schema does not have
    "invalid": HEAD + 'resource "aws_s3_bucket" "logs" {\n  bucket = "x-y-z"\n  colour = "blue"\n}\n',
    # validates, but the plan needs AWS (a data source read with offline keys fails)
    "plan_fails": HEAD + 'data "aws_vpc" "main" {\n  default = true\n}\n'
    'output "vpc" {\n  value = data.aws_vpc.main.id\n}\n',
    # the lock holds 5.x: terraform refuses this unless init finds a 4.x (the mirror has none)
    "needs_v4": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "~> 4.0" }\n'
    "  }\n}\n" + HEAD + BUCKET,
}


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("~> 5.0", True),
        ("~> 5.100", True),
        ("~> 5.100.1", False),
        ("~> 4.0", False),
        ("~> 5", True),
        (">= 4, < 6", True),
        (">= 4.0, < 5.0", False),
        ("5.100.0", True),
        ("= 5.99.0", False),
        ("!= 5.100.0", False),
        ("> 5.100.0", False),
        ("<= 5.100", True),
        (">= 5.0.0-beta1", None),
        ("latest", None),
    ],
)
def test_version_constraints_are_read_as_terraform_reads_them(constraint: str, expected: bool | None) -> None:
    assert provider_pool.satisfies("5.100.0", constraint) is expected


@pytest.mark.parametrize(
    ("text", "attach"),
    [
        (CONFIGS["valid"], True),
        (CONFIGS["pinned"], True),
        (CONFIGS["needs_v4"], False),
        (HEAD + 'resource "random_id" "x" {\n  byte_length = 4\n}\n', False),
        (HEAD + 'provider "google" {}\n', False),
        (HEAD + 'module "net" {\n  source = "./net"\n}\n', False),
        ('terraform {\n  required_providers {\n    aws = { source = "acme/aws" }\n  }\n}\n' + BUCKET, False),
        ('terraform {\n  required_version = ">= 1.5"\n}\n' + HEAD + BUCKET, True),
    ],
)
def test_only_configurations_the_attached_provider_cannot_misjudge_attach(
    tmp_path: Path, text: str, attach: bool
) -> None:
    (tmp_path / "main.tf").write_text(text)
    assert provider_pool.eligible(tmp_path, "5.100.0") is attach


def _check(settings: TerraformSettings, state: Path, tmp: Path, text: str, reattach: bool) -> PlanOutcome:
    tf_dir = tmp / ("on" if reattach else "off")
    tf_dir.mkdir()
    (tf_dir / "main.tf").write_text(text)
    return TerraformRunner(settings.model_copy(update={"reattach": reattach}), state).check(tf_dir)


def _verdict(outcome: PlanOutcome) -> tuple[object, ...]:
    changes = [(rc["address"], rc["change"]["actions"]) for rc in (outcome.plan or {}).get("resource_changes", [])]
    return outcome.valid, outcome.planned, sorted({d.summary for d in outcome.errors}), changes


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_attached_and_normal_paths_reach_the_same_verdict(
    name: str, tf_settings: TerraformSettings, tf_state: Path, tmp_path: Path
) -> None:
    attached = _check(tf_settings, tf_state, tmp_path, CONFIGS[name], reattach=True)
    normal = _check(tf_settings, tf_state, tmp_path, CONFIGS[name], reattach=False)
    assert _verdict(attached) == _verdict(normal)
    assert (attached.valid, attached.planned) == {
        "valid": (True, True),
        "pinned": (True, True),
        "invalid": (False, False),
        "plan_fails": (True, False),
        "needs_v4": (True, False),  # validate ignores the lock; plan refuses it
    }[name]
    if name in ("valid", "pinned"):
        assert "validate+plan" not in attached.seconds, "an eligible configuration is planned attached"
        assert _without_timestamp(attached.plan) == _without_timestamp(normal.plan)


def _without_timestamp(plan: dict[str, object] | None) -> dict[str, object]:
    return {k: v for k, v in (plan or {}).items() if k != "timestamp"}


def _pool(runner: TerraformRunner) -> provider_pool.ProviderPool:
    pool = next(iter(provider_pool._POOLS.values()), None)
    assert pool is not None, "no pool: the first check did not attach"
    return pool


@pytest.mark.slow
def test_a_dead_or_already_configured_provider_falls_back_to_the_normal_path(
    tf_settings: TerraformSettings, tf_state: Path, tmp_path: Path
) -> None:
    runner = TerraformRunner(tf_settings, tf_state)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text(CONFIGS["valid"])
    assert runner.check(tmp_path / "a").planned
    pool = _pool(runner)
    # The shared provider dies, and the spare is one a plan has already configured.
    os.kill(pool.shared().pid, signal.SIGKILL)
    used = pool.fresh()
    scratch = tmp_path / "configured"
    scratch.mkdir()
    (scratch / "main.tf").write_text(CONFIGS["valid"])
    make_offline(scratch, "eu-west-1")
    runner.link_warm(scratch)
    code, _, err = runner._run(scratch, "plan", "-input=false", "-lock=false", reattach=used.reattach)
    assert code == 0, err
    if pool._refill is not None:
        pool._refill.join(30)
    stale, pool._spare = pool._spare, used
    if stale is not None:
        stale.stop()
    outcome = runner.check(tmp_path / "a")
    assert outcome.valid and outcome.planned
    assert "validate+plan" in outcome.seconds, "the normal path decided"
    # and the pool recovers: the next check attaches again
    again = runner.check(tmp_path / "a")
    assert again.planned and "plan" in again.seconds and "validate+plan" not in again.seconds
    assert _verdict(again) == _verdict(outcome)


CHILD = """
import json, sys
from pathlib import Path
from opsgraph.tools.terraform import provider_pool
from opsgraph.tools.terraform.offline import make_offline
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.tf_runner import TerraformRunner
runner = TerraformRunner(TerraformSettings(), Path(sys.argv[1]))
assert runner.check(Path(sys.argv[2])).planned
pool = next(iter(provider_pool._POOLS.values()))
pool._refill.join(30)
print(json.dumps([pool.shared().pid, pool._spare.pid]), flush=True)
if sys.argv[3] == "hang":
    sys.stdin.read()
"""


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["exit", "killed"])
def test_no_provider_outlives_the_process_that_started_it(ending: str, tf_state: Path, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(CONFIGS["valid"])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tf_state), str(tmp_path), "hang" if ending == "killed" else "exit"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    pids = json.loads(child.stdout.readline())
    assert all(Path(f"/proc/{pid}").exists() for pid in pids)
    if ending == "killed":
        child.kill()
    child.wait(60)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in pids)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.parametrize("names", [("valid", "pinned", "invalid", "plan_fails"), ("valid", "needs_v4")])
def test_a_batch_uses_the_pool_only_when_every_configuration_may_attach(
    names: tuple[str, ...], tf_settings: TerraformSettings, tf_state: Path, tmp_path: Path
) -> None:
    from opsgraph.tools.terraform.tf_batch import check_many

    dirs = {}
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(CONFIGS[name])
        dirs[name] = tmp_path / name
    pooled = check_many(TerraformRunner(tf_settings.model_copy(update={"reattach": True}), tf_state), dirs)
    normal = check_many(TerraformRunner(tf_settings.model_copy(update={"reattach": False}), tf_state), dirs)
    assert {k: _verdict(v) for k, v in pooled.items()} == {k: _verdict(v) for k, v in normal.items()}
    assert _without_timestamp(pooled["valid"].plan) == _without_timestamp(normal["valid"].plan)
    if "needs_v4" in names:  # not eligible: the whole batch takes terraform's own init
        assert not any("batch_get" in o.seconds or "batch_show_attached" in o.seconds for o in pooled.values())
    else:
        assert {"batch_get", "batch_show_attached"} <= set(pooled["valid"].seconds)
        assert {"batch_init", "batch_show"} <= set(normal["valid"].seconds)
