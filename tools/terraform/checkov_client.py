"""checkov, run in its own virtualenv.

checkov pins packages our environment needs newer (packaging 23, networkx 2.6, cachetools 5), so
it is not a dependency of opsgraph: on first use it is installed from PyPI into
`<state_dir>/tools/checkov` (or `OPSGRAPH_TERRAFORM_CHECKOV_HOME`), and a long-lived worker in that
venv (checkov_worker.py) answers scans, so the ~3 s import is paid once per process.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import select
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from opsgraph.tools.terraform.report import Check

# Checks that do not apply to what opsgraph generates, each with the reason (README lists them).
SKIPPED = {
    "CKV_K8S_43": "image digests need registry access at generation time; images are pinned to a patch tag",
    "CKV2_AWS_62": "S3 event notifications need a consumer the request did not name",
    "CKV_AWS_18": "S3 access logging needs a separate log bucket the request did not ask for",
    "CKV_AWS_144": "cross-region replication needs a second region the request did not ask for",
    "CKV2_AWS_64": "KMS keys keep the default key policy (account root); a custom one needs the account ID",
    "CKV2_AWS_11": "VPC flow logs need a destination (log group or bucket) the team chooses",
    "CKV_AWS_31": "a Redis AUTH token must come from a secret store at apply time, never from generated code",
    "CKV2_AWS_5": "a standalone security group is attached by whatever is later launched into it",
    "CKV_AWS_293": "deletion protection is on in prod (OG_DELETION_PROTECTION); dev and staging stay deletable",
    "CKV_AWS_139": "RDS clusters, as CKV_AWS_293: deletion protection in prod (OG_DELETION_PROTECTION) only",
    "CKV2_AWS_8": "RDS clusters keep automated backups for the requested retention (OG_BACKUP_RETENTION); an AWS "
    "Backup plan needs a vault and schedule the team chooses",
    "CKV_AWS_157": "Multi-AZ is on in prod and whenever replicas are asked for; a single dev instance stays single-AZ",
    "CKV2_AWS_50": "a single-node cache (when asked for) cannot fail over; two or more nodes get automatic failover",
}
WORKER = Path(__file__).with_name("checkov_worker.py")
FRAMEWORKS = {"terraform": (".tf",), "kubernetes": (".yaml", ".yml")}


class CheckovUnavailable(RuntimeError):
    """checkov could not be installed or started (no PyPI mirror, broken venv)."""


def ensure_installed(home: Path, version: str) -> Path:
    """The python of checkov's venv, installing it on first use."""
    python = home / "bin" / "python"
    stamp = home / f".installed-checkov-{version}"
    if stamp.exists():
        return python
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        with (home.parent / ".checkov-install.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not stamp.exists():
                _install(home, python, version)
                stamp.touch()
    except OSError as exc:
        raise CheckovUnavailable(f"cannot create checkov's venv at {home}: {exc}") from exc
    return python


def _install(home: Path, python: Path, version: str) -> None:
    sys.stderr.write(f"installing checkov {version} into its own venv at {home} (once, ~1 min)\n")
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(home)],
        [str(python), "-m", "pip", "install", "-q", f"checkov=={version}"],
    ]
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise CheckovUnavailable(f"{' '.join(argv[:4])} failed: {(done.stderr or done.stdout)[-400:]}")


class CheckovWorker:
    def __init__(self, python: Path) -> None:
        self._lock = threading.Lock()
        self._proc = subprocess.Popen(
            [str(python), str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self._read(120)
        if not ready.get("ready"):
            self.close()
            raise CheckovUnavailable("the checkov worker did not start")

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._proc.stdout is not None
        readable, _, _ = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if readable else ""
        if not line:
            raise CheckovUnavailable("the checkov worker stopped answering")
        loaded: dict[str, Any] = json.loads(line)
        return loaded

    def scan(
        self, directory: Path, files: list[str], frameworks: list[str], skip: list[str], timeout: float = 300
    ) -> list[dict[str, Any]]:
        request = {"dir": str(directory), "files": files, "frameworks": frameworks, "skip": skip}
        with self._lock:
            assert self._proc.stdin is not None
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            reply = self._read(timeout)
        if not reply.get("ok"):
            raise CheckovUnavailable(f"checkov failed: {reply.get('error')}")
        reports: list[dict[str, Any]] = reply["reports"]
        return reports

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self._proc.stdin:
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


_WORKERS: dict[Path, CheckovWorker] = {}
_WORKERS_LOCK = threading.Lock()


def worker(home: Path, version: str) -> CheckovWorker:
    python = ensure_installed(home, version)
    with _WORKERS_LOCK:
        if python not in _WORKERS:
            _WORKERS[python] = CheckovWorker(python)
        return _WORKERS[python]


@atexit.register
def _close_all() -> None:
    for w in _WORKERS.values():
        w.close()
    _WORKERS.clear()


def to_checks(reports: list[dict[str, Any]]) -> list[Check]:
    checks = []
    for report in reports:
        results = report.get("results") or {}
        for passed, key in ((True, "passed_checks"), (False, "failed_checks")):
            for r in results.get(key) or []:
                lines = r.get("file_line_range") or [None]
                checks.append(
                    Check(
                        id=r["check_id"],
                        source="checkov",
                        passed=passed,
                        message=r.get("check_name", ""),
                        file=str(r.get("file_path", "")).lstrip("/") or None,
                        line=lines[0],
                        resource=r.get("resource"),
                    )
                )
    return checks


def scan_many(parent: Path, roots: list[Path], home: Path, version: str) -> dict[Path, list[Check]]:
    """checkov's Terraform and Kubernetes checks over the .tf and .yaml files of bundles that share
    `parent`, in one scan; each bundle's checks name files relative to its own root
    (`terraform/database.tf`), whether one bundle or many were scanned."""
    scanned = sorted(p for root in roots for p in root.rglob("*") if p.suffix in (".tf", ".yaml", ".yml"))
    if not scanned:
        return {}
    files = [str(p.relative_to(parent)) for p in scanned]
    frameworks = [f for f, suffixes in FRAMEWORKS.items() if any(Path(name).suffix in suffixes for name in files)]
    found: dict[Path, list[Check]] = {root: [] for root in roots}
    for check in to_checks(worker(home, version).scan(parent, files, frameworks, sorted(SKIPPED))):
        path = locate(check.file or "", scanned)
        root = next((r for r in roots if path is not None and path.is_relative_to(r)), None)
        if path is None or root is None:
            continue
        found[root].append(check.model_copy(update={"file": path.relative_to(root).as_posix()}))
    return found


def locate(reported: str, scanned: list[Path]) -> Path | None:
    """The scanned file checkov means. checkov names a file relative to the deepest folder its
    `-f` files of one framework share (`storage.tf` when one bundle's terraform/ is scanned,
    `r07/terraform/storage.tf` for many bundles), so match the reported path as a suffix."""
    parts = Path(reported.lstrip("/")).parts
    if not parts:
        return None
    matches = [p for p in scanned if p.parts[-len(parts) :] == parts]
    return matches[0] if len(matches) == 1 else None
