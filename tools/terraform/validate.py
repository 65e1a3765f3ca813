"""Validate a generated bundle (a directory with terraform/ and/or kubernetes/): terraform validate
and plan, our plan checks, the Kubernetes model and NetworkPolicy checks, checkov."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from opsgraph.tools.terraform import k8s_checks, plan_checks
from opsgraph.tools.terraform.offline import OVERRIDE_FILE, PLAIN_FILE
from opsgraph.tools.terraform.report import Check, Validation, resource_lines
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.spec import Cache, Database, InfraSpec, Workload
from opsgraph.tools.terraform.tf_runner import PlanOutcome, TerraformRunner


@dataclass(frozen=True)
class Validator:
    settings: TerraformSettings
    state_dir: Path

    def runner(self) -> TerraformRunner:
        return TerraformRunner(self.settings, self.state_dir)

    def validate(self, root: Path, spec: InfraSpec | None, generator: str = "templates") -> Validation:
        """Validate one bundle: terraform (alone) in a thread while checkov and the Kubernetes checks
        run here (terraform works in subprocesses, so the three overlap)."""
        tf_dir = root / "terraform"
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="terraform") as pool:
            planning = pool.submit(self.runner().check, tf_dir) if any(tf_dir.glob("*.tf")) else None
            started = time.perf_counter()
            found, skipped = self._checkov(root, [root])
            scanned = {"checkov": round(time.perf_counter() - started, 3)} if self.settings.checkov else {}
            kube = kubernetes_checks(root, spec)
            outcome = planning.result() if planning is not None else None
        return assemble(root, spec, outcome, found.get(root, []), skipped, generator, scanned, kube)

    def validate_many(self, bundles: dict[str, tuple[Path, InfraSpec | None]]) -> dict[str, Validation]:
        """Validate many bundles that share a parent directory: one terraform run and one checkov
        scan for all of them (see tf_batch)."""
        from opsgraph.tools.terraform.tf_batch import check_many

        tf_dirs = {k: root / "terraform" for k, (root, _) in bundles.items() if any((root / "terraform").glob("*.tf"))}
        outcomes = check_many(self.runner(), tf_dirs) if tf_dirs else {}
        found, skipped = self._checkov(next(iter(bundles.values()))[0].parent, [r for r, _ in bundles.values()])
        return {
            key: assemble(root, spec, outcomes.get(key), found.get(root, []), skipped, "templates", {})
            for key, (root, spec) in bundles.items()
        }

    def _checkov(self, parent: Path, roots: list[Path]) -> tuple[dict[Path, list[Check]], list[str]]:
        if not self.settings.checkov:
            return {}, ["checkov: disabled (OPSGRAPH_TERRAFORM_CHECKOV=false)"]
        from opsgraph.tools.terraform.checkov_client import CheckovUnavailable, scan_many

        try:
            return scan_many(
                parent, roots, self.settings.checkov_dir(self.state_dir), self.settings.checkov_version
            ), []
        except CheckovUnavailable as exc:
            # Enabled but not runnable (no PyPI to install it from, a broken venv): the bundle has
            # not been checked, so it is not valid. OPSGRAPH_TERRAFORM_CHECKOV=false turns it off.
            failed = Check(id="CHECKOV", source="checkov", passed=False, message=f"checkov could not run: {exc}")
            return {root: [failed] for root in roots}, [f"checkov: {exc}"]


def assemble(
    root: Path,
    spec: InfraSpec | None,
    outcome: PlanOutcome | None,
    checkov: list[Check],
    skipped: list[str],
    generator: str,
    seconds: dict[str, float],
    kube: tuple[list[Check], dict[str, float]] | None = None,
) -> Validation:
    """One bundle's verdict; `kube`: the Kubernetes checks and their timing when already run."""
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    checks: list[Check] = []
    summary: dict[str, object] = {}
    timing = dict(outcome.seconds) if outcome else {}
    if outcome is not None:
        checks += terraform_checks(outcome)
        if outcome.plan:
            summary = outcome.summary
            checks += plan_checks.run(outcome.plan, resource_lines(root), expectations(spec))
    found, took = kube if kube is not None else kubernetes_checks(root, spec)
    checks += found
    timing |= took
    checks += checkov
    return Validation(
        valid=bool(checks) and all(c.passed for c in checks),
        files=files,
        checks=checks,
        plan=summary,
        generator=generator,
        seconds=timing | seconds,
        skipped_checks=skipped,
    )


def kubernetes_checks(root: Path, spec: InfraSpec | None) -> tuple[list[Check], dict[str, float]]:
    if not (root / "kubernetes").is_dir():
        return [], {}
    started = time.perf_counter()
    found = k8s_checks.run(root, allowed_namespaces(spec))
    return found, {"kubernetes": round(time.perf_counter() - started, 3)}


def terraform_checks(outcome: PlanOutcome) -> list[Check]:
    def where(file: str | None) -> str | None:
        if file is None or file in (OVERRIDE_FILE, PLAIN_FILE):
            return None
        return f"terraform/{file}"

    errors = outcome.errors
    if not outcome.valid:
        return [
            Check(
                id="TF_VALIDATE",
                source="terraform",
                passed=False,
                message=f"{d.summary}: {d.detail}".strip(": "),
                file=where(d.file),
                line=d.line,
            )
            for d in errors or outcome.diagnostics
        ] or [Check(id="TF_VALIDATE", source="terraform", passed=False, message="terraform validate failed")]
    how = "validated by the plan of a batch" if "batch" in outcome.seconds else "terraform validate"
    checks = [Check(id="TF_VALIDATE", source="terraform", passed=True, message=f"{how}: the configuration is valid")]
    if not outcome.planned:
        checks += [
            Check(
                id="TF_PLAN",
                source="terraform",
                passed=False,
                message=f"{d.summary}: {d.detail}".strip(": "),
                file=where(d.file),
                line=d.line,
            )
            for d in errors
        ] or [Check(id="TF_PLAN", source="terraform", passed=False, message="terraform plan failed")]
        return checks
    s = outcome.summary
    checks.append(
        Check(
            id="TF_PLAN",
            source="terraform",
            passed=True,
            message=f"plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy",
        )
    )
    return checks


def expectations(spec: InfraSpec | None) -> plan_checks.Expectations:
    if spec is None:
        return plan_checks.Expectations()
    stores = [c for c in spec.components if isinstance(c, Database | Cache)]
    days = min((c.backup.retention_days for c in stores), default=None)
    bucket = next(
        (
            f"aws_s3_bucket.{c.name.replace('-', '_')}_backups"
            for c in stores
            if isinstance(c, Database) and c.placement == "kubernetes"
        ),
        None,
    )
    return plan_checks.Expectations(environment=spec.environment, retention_days=days, backup_bucket=bucket)


def allowed_namespaces(spec: InfraSpec | None) -> dict[str, tuple[str, ...]]:
    if spec is None:
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for c in spec.components:
        if (isinstance(c, Database) and c.placement == "kubernetes") or isinstance(c, Workload):
            found[c.name] = c.access.namespaces
    return found
