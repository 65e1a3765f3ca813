"""The one adapter over python-terraform: init against the provider mirror, validate -json, plan
with offline provider settings, show -json of the plan.

Speed: the provider is initialised once per state dir ("warm" workspace: `init -plugin-dir` of a
configuration that only requires hashicorp/aws); each check links its `.terraform/providers` and
lock file instead of running `init` again. A configuration needing anything else (modules, other
providers) falls back to a real `init -plugin-dir` in its own scratch copy.

Faster still (the default, `OPSGRAPH_TERRAFORM_REATTACH`): terraform attaches to pre-started
provider processes (provider_pool.py). `plan` runs alone (it validates the configuration first,
so `validate` runs only to classify a failure) against a fresh process, `show` against a shared
one. A configuration the pool may not serve, and any sign of a dead or unreachable provider, take
the normal path above.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.tools.terraform import provider_pool
from opsgraph.tools.terraform.offline import make_offline
from opsgraph.tools.terraform.provider_pool import ProviderPool
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

    def _run(
        self, cwd: Path, command: str, *args: str, reattach: str | None = None, **options: Any
    ) -> tuple[int, str, str]:
        """One terraform command. python-terraform builds the command line; we spawn it ourselves
        because its `cmd` (0.10.1) takes no timeout or environment, and its `synchronous=False`
        leaks into the flags. `reattach`: the TF_REATTACH_PROVIDERS value to run against."""
        argv = self._tf(cwd).generate_cmd_string(command, *args, **options)
        env = _environment()
        if reattach is not None:
            env["TF_REATTACH_PROVIDERS"] = reattach
        try:
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=self.settings.command_timeout_s)
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

    def link_warm(self, scratch: Path) -> None:
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

    # -- attached providers ----------------------------------------------------------------
    def _pool(self, scratch: Path) -> ProviderPool | None:
        return self.pool_for([scratch])

    def pool_for(self, tf_dirs: list[Path]) -> ProviderPool | None:
        """The provider pool when every configuration in `tf_dirs` may attach to it (see
        provider_pool.eligible), else None: the normal path, where terraform decides."""
        if not self.settings.reattach:
            return None
        warm = self.warm_dir()
        version = warm.name.removeprefix("warm-aws-")
        if not all(provider_pool.eligible(d, version) for d in tf_dirs):
            return None
        package = warm / ".terraform" / "providers" / AWS_PROVIDER / version / _platform()
        try:
            return provider_pool.pool_for(
                package, warm / ".terraform.lock.hcl", _environment(), self.work_root / "providers"
            )
        except OSError:
            return None

    def _check_attached(self, scratch: Path, pool: ProviderPool) -> PlanOutcome | None:
        """plan against a fresh provider, show against the shared one; None: take the normal path."""
        from python_terraform import IsFlagged, IsNotFlagged

        outcome = PlanOutcome()
        try:
            fresh = pool.fresh()
        except (OSError, RuntimeError):
            return None
        started = time.perf_counter()
        try:
            plan = self._run(
                scratch, "plan", input=False, no_color=IsFlagged, lock=False, out=PLAN_FILE, json=IsFlagged,
                detailed_exitcode=IsNotFlagged, reattach=fresh.reattach,
            )  # fmt: skip
            survived = fresh.alive()
        finally:
            fresh.stop()  # configured now: never serves another plan
        outcome.seconds["plan"] = round(time.perf_counter() - started, 3)
        code, out, err = plan
        if not survived or _provider_trouble(out + err):
            return None
        if code == 0:
            # plan validated the configuration before planning it (what `terraform validate` checks)
            outcome.valid = True
            outcome.diagnostics += _stream_diagnostics(out)
        else:
            mark = time.perf_counter()
            try:
                validate = self._run(scratch, "validate", json=IsFlagged, no_color=IsFlagged,
                                     reattach=pool.shared().reattach)  # fmt: skip
            except (OSError, RuntimeError):
                return None
            outcome.seconds["validate"] = round(time.perf_counter() - mark, 3)
            if _provider_trouble(validate[1] + validate[2]) or (
                validate[0] != 0 and _needs_init(validate[1] + validate[2])
            ):
                return None  # the normal path initialises what is missing, or decides without us
            if not self._read_validate_and_plan(outcome, validate, plan):
                return outcome
        mark = time.perf_counter()
        try:
            shown = self._run(scratch, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged,
                              reattach=pool.shared().reattach)  # fmt: skip
        except (OSError, RuntimeError):
            shown = (1, "", "no shared provider")
        if shown[0] != 0 or _provider_trouble(shown[1] + shown[2]):
            shown = self._run(scratch, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged)
        outcome.seconds["show"] = round(time.perf_counter() - mark, 3)
        return self._read_show(outcome, shown)

    def _check_scratch(self, scratch: Path) -> PlanOutcome:
        from python_terraform import IsFlagged

        self.link_warm(scratch)
        pool = self._pool(scratch)
        if pool is not None:
            attached = self._check_attached(scratch, pool)
            if attached is not None:
                return attached
            (scratch / PLAN_FILE).unlink(missing_ok=True)
        outcome = PlanOutcome()
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
        if not self._read_validate_and_plan(outcome, (code, out, err), plan):
            return outcome
        mark = time.perf_counter()
        shown = self._run(scratch, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged)
        outcome.seconds["show"] = round(time.perf_counter() - mark, 3)
        return self._read_show(outcome, shown)

    @staticmethod
    def _read_validate_and_plan(outcome: PlanOutcome, validate: Result, plan: Result) -> bool:
        """Record what `validate -json` and `plan -json` said; True when the plan succeeded."""
        code, out, err = validate
        report = _json(out)
        outcome.diagnostics += [Diagnostic.from_json(d) for d in report.get("diagnostics", [])]
        outcome.valid = bool(report.get("valid")) and code == 0
        if not outcome.valid:
            if not report:
                outcome.diagnostics.append(Diagnostic("error", "terraform validate failed", _tail(err or out)))
            return False
        code, out, err = plan
        outcome.diagnostics += _stream_diagnostics(out)
        if code != 0:
            if not any(d.severity == "error" for d in outcome.diagnostics):
                outcome.diagnostics.append(Diagnostic("error", "terraform plan failed", _tail(err or out)))
            return False
        return True

    @staticmethod
    def _read_show(outcome: PlanOutcome, shown: Result) -> PlanOutcome:
        code, out, err = shown
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


_PROVIDER_TROUBLE = (
    "Failed to load plugin schemas",
    "failed to instantiate provider",
    "Reattachment process not found",
    "Plugin did not respond",
    "rpc error: code = Unavailable",
    "connection refused",
    "The plugin encountered an error",
    "unable to add custom RootCAs",
)


def _provider_trouble(text: str) -> bool:
    """Signs that an attached provider, not the configuration, failed (the normal path decides then)."""
    return any(s in text for s in _PROVIDER_TROUBLE)


def _platform() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{platform.system().lower()}_{machine}"


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
