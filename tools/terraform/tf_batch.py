"""Many configurations through one terraform run: each becomes a module of a scratch root, so the
provider starts three times for the whole batch instead of three times per configuration.

A module whose diagnostics point at it (by file) is taken out and the rest run again; whatever the
batch cannot attribute is checked on its own with `TerraformRunner.check`, so a batch never
reports a configuration valid that would fail alone. The plan of each module is projected back to
the shape `terraform show -json` gives for the configuration alone (its resources at the root).

The provider pool (provider_pool.py), when every configuration may attach to it (the rule of
`provider_pool.eligible`, applied to each module): the root links the warm workspace's providers and
lock file and installs only its modules (`terraform get`, no provider hashing), and `show` reads the
plan against the pool's shared provider. The plan itself never attaches: each module carries its own
`provider "aws"` configuration, and one attached process can be configured only once, so terraform
starts one provider per module as before. Any sign of trouble takes the normal command instead.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, IsNotFlagged

from opsgraph.tools.terraform.offline import make_offline
from opsgraph.tools.terraform.provider_pool import ProviderPool
from opsgraph.tools.terraform.tf_runner import (
    PLAN_FILE,
    Diagnostic,
    PlanOutcome,
    TerraformRunner,
    _json,
    _needs_init,
    _provider_trouble,
    _stream_diagnostics,
)

MAX_ROUNDS = 4
_TYPES = re.compile(r'^\s*(?:resource|data)\s+"([a-z0-9]+)_[^"]*"', re.M)
_REQUIRED = re.compile(r'source\s*=\s*"(?:registry\.terraform\.io/)?([\w-]+)/([\w-]+)"')


def providers_needed(tf_dir: Path) -> set[str]:
    """Provider names (`aws`, `random`, ...) a configuration uses, from its blocks and requirements."""
    found: set[str] = set()
    for path in tf_dir.glob("*.tf"):
        text = path.read_text(encoding="utf-8", errors="replace")
        found |= set(_TYPES.findall(text))
        found |= {name for _ns, name in _REQUIRED.findall(text)}
    return found - {"terraform"}


def mirrored(runner: TerraformRunner) -> set[str]:
    return {p.name for p in (runner.mirror / "registry.terraform.io" / "hashicorp").iterdir()}


def check_many(runner: TerraformRunner, dirs: dict[str, Path]) -> dict[str, PlanOutcome]:
    results: dict[str, PlanOutcome] = {}
    available = mirrored(runner)
    todo: dict[str, Path] = {}
    for key, tf_dir in dirs.items():
        missing = sorted(providers_needed(tf_dir) - available)
        if missing:
            results[key] = PlanOutcome(
                diagnostics=[Diagnostic("error", f"providers not in the offline mirror: {', '.join(missing)}")]
            )
        else:
            todo[key] = tf_dir
    runner.work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="batch-", dir=runner.work_root) as tmp:
        root = Path(tmp)
        names = {key: f"m{i:04d}" for i, key in enumerate(todo)}
        for key, tf_dir in todo.items():
            module = root / names[key]
            module.mkdir()
            for path in tf_dir.glob("*.tf"):
                shutil.copy(path, module / path.name)
            make_offline(module, runner.settings.default_region)
        pool = runner.pool_for([root / name for name in names.values()]) if names else None
        alone = _run_batch(runner, root, names, results, pool)
    for key in alone:
        results[key] = runner.check(todo[key])
    return results


def _write_root(root: Path, names: dict[str, str], keys: list[str]) -> dict[int, str]:
    lines: list[str] = []
    at: dict[int, str] = {}
    for key in keys:
        at[len(lines) + 1] = key
        lines += [f'module "{names[key]}" {{', f'  source = "./{names[key]}"', "}"]
    (root / "main.tf").write_text("\n".join(lines) + "\n")
    return at


def _owner(d: Diagnostic, by_name: dict[str, str], at_line: dict[int, str]) -> str | None:
    if d.file is None:
        return None
    head = d.file.split("/", 1)[0]
    if head in by_name:
        return by_name[head]
    if d.file == "main.tf" and d.line is not None:
        starts = [line for line in at_line if line <= d.line]
        return at_line[max(starts)] if starts else None
    return None


def _prepare(runner: TerraformRunner, root: Path, pool: ProviderPool | None) -> tuple[str, int]:
    """Make the root ready to plan: with the pool, the warm providers linked and the modules
    installed (`terraform get`); otherwise, or when that fails, a full `init` from the mirror."""
    if pool is not None:
        runner.link_warm(root)
        code, out, err = runner._run(root, "get", no_color=IsFlagged)
        if code == 0 and not _needs_init(out + err):
            return "get", 0
        shutil.rmtree(root / ".terraform", ignore_errors=True)
        (root / ".terraform.lock.hcl").unlink(missing_ok=True)
    code, _, _ = runner.init(root)
    return "init", code


def _show(runner: TerraformRunner, root: Path, pool: ProviderPool | None) -> tuple[str, tuple[int, str, str]]:
    if pool is not None:
        try:
            shown = runner._run(
                root, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged, reattach=pool.shared().reattach
            )
        except (OSError, RuntimeError):
            shown = (1, "", "no shared provider")
        if shown[0] == 0 and not _provider_trouble(shown[1] + shown[2]) and _json(shown[1]):
            return "show_attached", shown
    return "show", runner._run(root, "show", PLAN_FILE, json=IsFlagged, no_color=IsFlagged)


def _run_batch(
    runner: TerraformRunner,
    root: Path,
    names: dict[str, str],
    results: dict[str, PlanOutcome],
    pool: ProviderPool | None = None,
) -> list[str]:
    """Fill `results` for what the batch plans; return the keys to check alone."""
    by_name = {v: k for k, v in names.items()}
    live = list(names)
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def timed(phase: str, mark: float) -> None:
        phases[phase] = round(phases.get(phase, 0.0) + time.perf_counter() - mark, 3)

    alone: list[str] = []  # what the batch cannot settle: checked alone, with validate, by the caller
    for _ in range(MAX_ROUNDS):
        if not live:
            return alone
        at_line = _write_root(root, names, live)
        shutil.rmtree(root / ".terraform", ignore_errors=True)
        mark = time.perf_counter()
        how, code = _prepare(runner, root, pool)
        timed(how, mark)
        if code != 0:
            return alone + live
        # No separate validate here: plan validates first, and whatever fails is checked alone.
        mark = time.perf_counter()
        code, out, _ = runner._run(
            root, "plan", input=False, no_color=IsFlagged, lock=False, out=PLAN_FILE, json=IsFlagged,
            detailed_exitcode=IsNotFlagged,
        )  # fmt: skip
        timed("plan", mark)
        if code != 0:
            bad = _blame([d for d in _stream_diagnostics(out) if d.severity == "error"], by_name, at_line)
            if not bad:
                return alone + live
            alone += list(bad)
            live = [k for k in live if k not in bad]
            continue
        mark = time.perf_counter()
        how, (code, out, _) = _show(runner, root, pool)
        timed(how, mark)
        plan = _json(out)
        if code != 0 or not plan:
            return alone + live
        seconds = {"batch": round(time.perf_counter() - started, 3), "batch_size": float(len(live))}
        seconds |= {f"batch_{k}": v for k, v in phases.items()}
        for key in live:
            results[key] = PlanOutcome(valid=True, planned=True, plan=project(plan, names[key]), seconds=seconds)
        return alone
    return alone + live


def _blame(diags: list[Diagnostic], by_name: dict[str, str], at_line: dict[int, str]) -> dict[str, list[Diagnostic]]:
    """Errors by the configuration they belong to; {} when any error belongs to none."""
    bad: dict[str, list[Diagnostic]] = {}
    for d in diags:
        if d.severity != "error":
            continue
        key = _owner(d, by_name, at_line)
        if key is None:
            return {}
        file = d.file.split("/", 1)[1] if d.file and "/" in d.file else d.file
        bad.setdefault(key, []).append(Diagnostic(d.severity, d.summary, d.detail, file, d.line))
    return bad


def _strip(address: str, prefix: str) -> str:
    return address[len(prefix) :] if address.startswith(prefix) else address


def project(plan: dict[str, Any], name: str) -> dict[str, Any]:
    """The part of a batch plan that belongs to module `name`, shaped as if it were the root."""
    prefix = f"module.{name}."
    changes = []
    for rc in plan.get("resource_changes") or []:
        if rc.get("module_address") == f"module.{name}" or str(rc.get("module_address", "")).startswith(prefix):
            item = dict(rc)
            item["address"] = _strip(rc["address"], prefix)
            inner = _strip(str(rc.get("module_address", "")), f"module.{name}").lstrip(".")
            if inner:
                item["module_address"] = inner
            else:
                item.pop("module_address", None)
            changes.append(item)
    planned = {}
    for child in ((plan.get("planned_values") or {}).get("root_module") or {}).get("child_modules") or []:
        if child.get("address") == f"module.{name}":
            planned = _reroot(child, prefix)
    config_module = (
        (((plan.get("configuration") or {}).get("root_module") or {}).get("module_calls") or {}).get(name) or {}
    ).get("module") or {}
    provider_config = {}
    for key, value in ((plan.get("configuration") or {}).get("provider_config") or {}).items():
        if value.get("module_address") == f"module.{name}":
            item = {k: v for k, v in value.items() if k != "module_address"}
            provider_config[key.split(":", 1)[1] if ":" in key else key] = item
    return {
        "format_version": plan.get("format_version"),
        "terraform_version": plan.get("terraform_version"),
        "planned_values": {"root_module": planned},
        "resource_changes": changes,
        "configuration": {"provider_config": provider_config, "root_module": config_module},
    }


def _reroot(module: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if module.get("resources"):
        out["resources"] = [{**r, "address": _strip(r["address"], prefix)} for r in module["resources"]]
    children = [
        _reroot(c, prefix) | {"address": _strip(c["address"], prefix)} for c in module.get("child_modules") or []
    ]
    if children:
        out["child_modules"] = children
    return out
