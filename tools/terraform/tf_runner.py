"""The one adapter over python-terraform: init against the provider mirror, validate -json, plan
with offline provider settings, show -json of the plan.

Speed: the provider is initialised once per state dir ("warm" workspace: `init -plugin-dir` of a
configuration that only requires hashicorp/aws); each check links its `.terraform/providers` and
lock file instead of running `init` again. A configuration needing anything else (modules, other
providers) falls back to a real `init -plugin-dir` in its own scratch copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.tools.terraform.offline import make_offline
from opsgraph.tools.terraform.settings import AWS_PROVIDER, TerraformSettings

PLAN_FILE = "opsgraph.tfplan"
Result = tuple[int, str, str]  # exit code, stdout, stderr
_ENV = {
    "CHECKPOINT_DISABLE": "1",  # no version check against checkpoint.hashicorp.com
    "TF_IN_AUTOMATION": "1",
    "TF_INPUT": "0",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class TerraformUnavailable(RuntimeError):
    """No terraform CLI or no provider mirror: validation cannot run here."""


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str = ""
    file: str | None = None
    line: int | None = None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Diagnostic:
        rng = d.get("range") or {}
        return cls(
            severity=str(d.get("severity", "error")),
            summary=str(d.get("summary", "")),
            detail=str(d.get("detail", ""))[:800],
            file=rng.get("filename"),
            line=(rng.get("start") or {}).get("line"),
        )


@dataclass
class PlanOutcome:
    valid: bool = False  # terraform validate
    planned: bool = False  # terraform plan + show succeeded
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        return plan_summary(self.plan or {})

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def plan_summary(plan: dict[str, Any]) -> dict[str, Any]:
    """Resources to add/change/destroy, and additions by type."""
    counts = {"add": 0, "change": 0, "destroy": 0}
    by_type: dict[str, int] = {}
    for rc in plan.get("resource_changes") or []:
        actions = (rc.get("change") or {}).get("actions") or []
        if "create" in actions:
            counts["add"] += 1
            by_type[rc["type"]] = by_type.get(rc["type"], 0) + 1
        if "update" in actions:
            counts["change"] += 1
        if "delete" in actions:
            counts["destroy"] += 1
    return {**counts, "add_by_type": dict(sorted(by_type.items()))}


class TerraformRunner:
    def __init__(self, settings: TerraformSettings, state_dir: Path) -> None:
        self.settings = settings
        self.work_root = state_dir / "terraform"
        binary = settings.terraform_path()
        mirror = settings.mirror()
        if binary is None:
            raise TerraformUnavailable(f"the terraform CLI ({settings.binary}) is not installed")
        if mirror is None:
            raise TerraformUnavailable(
                "no provider mirror with hashicorp/aws found (set OPSGRAPH_TERRAFORM_PLUGIN_DIR)"
            )
        self.binary = binary
        self.mirror = mirror

    # -- python-terraform calls -------------------------------------------------------------
    def _tf(self, cwd: Path) -> Any:
        from python_terraform import Terraform

        return Terraform(working_dir=str(cwd), terraform_bin_path=self.binary)

    def _run(self, cwd: Path, command: str, *args: str, **options: Any) -> tuple[int, str, str]:
        """One terraform command. python-terraform builds the command line; we spawn it ourselves
        because its `cmd` (0.10.1) takes no timeout or environment, and its `synchronous=False`
        leaks into the flags."""
        argv = self._tf(cwd).generate_cmd_string(command, *args, **options)
        try:
            done = subprocess.run(
                argv, cwd=cwd, env=_environment(), capture_output=True, timeout=self.settings.command_timeout_s
            )
        except subprocess.TimeoutExpired:
            return 124, "", f"terraform {command} timed out after {self.settings.command_timeout_s:.0f} s"
        return done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")

    def fmt(self, tf_dir: Path) -> None:
        self._run(tf_dir, "fmt", "-list=false", ".")

    def init(self, cwd: Path) -> tuple[int, str, str]:
        from python_terraform import IsFlagged

        return self._run(cwd, "init", input=False, no_color=IsFlagged, plugin_dir=str(self.mirror), backend=False)

    # -- warm provider workspace ------------------------------------------------------------
    def warm_dir(self) -> Path:
        """A workspace initialised once with the aws provider from the mirror."""
        version = sorted(p.name for p in (self.mirror / AWS_PROVIDER).iterdir())[-1]
        warm = self.work_root / f"warm-aws-{version}"
        if (warm / ".terraform.lock.hcl").exists():
            return warm
        warm.mkdir(parents=True, exist_ok=True)
        with _file_lock(warm / ".lock"):
            if not (warm / ".terraform.lock.hcl").exists():
                (warm / "providers.tf").write_text(
                    'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
                )
                code, out, err = self.init(warm)
                if code != 0:
                    raise TerraformUnavailable(f"terraform init against {self.mirror} failed: {(err or out)[-400:]}")
        return warm

    def _link_warm(self, scratch: Path) -> None:
        warm = self.warm_dir()
        (scratch / ".terraform").mkdir(exist_ok=True)
        os.symlink(warm / ".terraform" / "providers", scratch / ".terraform" / "providers")
        shutil.copy(warm / ".terraform.lock.hcl", scratch / ".terraform.lock.hcl")

    # -- checks -----------------------------------------------------------------------------
    def check(self, tf_dir: Path) -> PlanOutcome:
        """validate + plan + show of a copy of `tf_dir` (the directory itself is not touched)."""
        self.work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="check-", dir=self.work_root) as tmp:
            scratch = Path(tmp)
            for path in tf_dir.glob("*.tf"):
                shutil.copy(path, scratch / path.name)
            make_offline(scratch, self.settings.default_region)
            return self._check_scratch(scratch)

    def _validate_and_plan(self, scratch: Path, outcome: PlanOutcome) -> tuple[Result, Result]:
        """`validate -json` and `plan` side by side: each loads the provider (seconds), and a plan of
        an invalid configuration only fails, so running them at once costs nothing in correctness."""
        from python_terraform import IsFlagged, IsNotFlagged

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as pool:
            validating = pool.submit(self._run, scratch, "validate", json=IsFlagged, no_color=IsFlagged)
            plan = self._run(
                scratch, "plan", input=False, no_color=IsFlagged, lock=False, out=PLAN_FILE, json=IsFlagged,
                detailed_exitcode=IsNotFlagged,
            )  # fmt: skip
            validate = validating.result()
        outcome.seconds["validate+plan"] = round(time.perf_counter() - started, 3)
        return validate, plan

    def _check_scratch(self, scratch: Path) -> PlanOutcome:
        from python_terraform import IsFlagged

        outcome = PlanOutcome()
        self._link_warm(scratch)
        (code, out, err), plan = self._validate_and_plan(scratch, outcome)
        if code != 0 and _needs_init(out + err):
            # Not the warm provider set (other providers, modules): a real init, then again.
            shutil.rmtree(scratch / ".terraform")
            (scratch / ".terraform.lock.hcl").unlink()
            started = time.perf_counter()
            code, out, err = self.init(scratch)
            outcome.seconds["init"] = round(time.perf_counter() - started, 3)
            if code != 0:
                outcome.diagnostics.append(Diagnostic("error", "terraform init failed", _tail(err or out)))
                return outcome
            (code, out, err), plan = self._validate_and_plan(scratch, outcome)
        report = _json(out)
        outcome.diagnostics += [Diagnostic.from_json(d) for d in report.get("diagnostics", [])]
        outcome.valid = bool(report.get("valid")) and code == 0
        if not outcome.valid:
            if not report:
                outcome.diagnostics.append(Diagnostic("error", "terraform validate failed", _tail(err or out)))
            return outcome
        code, out, err = plan
        outcome.diagnostics += _stream_diagnostics(out)
        if code != 0:
            if not any(d.severity == "error" for d in outcome.diagnostics):
                outcome.diagnostics.append(Diagnostic("error", "terraform plan failed", _tail(err or out)))
            return outcome
        mark = time.perf_counter()
        code, out, err = self._run(scratch, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged)
        outcome.seconds["show"] = round(time.perf_counter() - mark, 3)
        if code != 0:
            outcome.diagnostics.append(Diagnostic("error", "terraform show failed", _tail(err or out)))
            return outcome
        outcome.plan = _json(out)
        outcome.planned = bool(outcome.plan)
        return outcome


def _needs_init(text: str) -> bool:
    return any(
        s in text
        for s in (
            "Inconsistent dependency lock file",
            "Module not installed",
            "terraform init",
            "Missing required provider",
        )
    )


def _json(text: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _stream_diagnostics(text: str) -> list[Diagnostic]:
    found = []
    for line in text.splitlines():
        event = _json(line)
        if event.get("type") == "diagnostic" and isinstance(event.get("diagnostic"), dict):
            found.append(Diagnostic.from_json(event["diagnostic"]))
    return found


def _tail(text: str, size: int = 800) -> str:
    return text.strip()[-size:]


def _environment() -> dict[str, str]:
    env = {**os.environ, **_ENV}
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not Path(config).exists():
        env.pop("TF_CLI_CONFIG_FILE")  # a missing file only adds a warning to every command
    return env


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
