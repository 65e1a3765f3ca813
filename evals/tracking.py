"""Eval history in MLflow: `opsgraph eval --track` logs each suite's metrics as a run (one
experiment per suite, runs tagged with the git commit); `--compare REF` finds an earlier run and
reports the change metric by metric.

The store is MLflow's SQLite backend in the state dir (`<state>/mlflow/evals.db`), or any
tracking URI in `OPSGRAPH_EVAL_TRACKING_URI` (an MLflow server).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.evals.base import EvalReport

EXPERIMENT_PREFIX = "opsgraph-eval-"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_KEY = re.compile(r"[^\w.\- :/]")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
LATEST = ("last", "latest")


def metric_key(name: str) -> str:
    """MLflow accepts letters, digits, `_ - . : /` and spaces in metric names."""
    return _KEY.sub("_", name.replace("@", "_at_"))


@dataclass(frozen=True)
class GitInfo:
    commit: str
    dirty: bool


def git_info(root: Path = PROJECT_ROOT) -> GitInfo:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return GitInfo(commit or "unknown", bool(status))


def resolve_commit(ref: str, root: Path = PROJECT_ROOT) -> str | None:
    """A git ref (HEAD~1, main, a short sha) as a full sha, when this is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


@dataclass(frozen=True)
class Delta:
    name: str
    before: float | None
    now: float | None
    higher_is_better: bool = True

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.now is None else self.now - self.before

    @property
    def verdict(self) -> str:
        if self.before is None:
            return "new"
        if self.now is None:
            return "gone"
        change = self.now - self.before
        if abs(change) < 1e-9:
            return "same"
        return "better" if (change > 0) == self.higher_is_better else "worse"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "before": self.before, "now": self.now, "change": self.change,
                "verdict": self.verdict}  # fmt: skip


@dataclass(frozen=True)
class PastRun:
    run_id: str
    commit: str
    started: float  # epoch seconds
    metrics: dict[str, float]


class EvalTracker:
    def __init__(self, state_dir: Path, uri: str | None = None) -> None:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        os.environ.setdefault("DO_NOT_TRACK", "1")
        from mlflow.tracking import MlflowClient

        self._root = state_dir / "mlflow"
        if uri is None:
            uri = os.environ.get("OPSGRAPH_EVAL_TRACKING_URI")
        if uri is None:
            self._root.mkdir(parents=True, exist_ok=True)
            uri = f"sqlite:///{self._root / 'evals.db'}"
        self.uri = uri
        self._client = MlflowClient(tracking_uri=uri)

    def _experiment(self, suite: str, *, create: bool) -> str | None:
        name = EXPERIMENT_PREFIX + suite
        found = self._client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        if not create:
            return None
        artifacts = (self._root / "artifacts" / suite).resolve().as_uri()
        return str(self._client.create_experiment(name, artifact_location=artifacts, tags={"suite": suite}))

    def log(self, report: EvalReport, git: GitInfo) -> str:
        """One run with every metric of the report; returns its run id."""
        from mlflow.entities import Metric as MlflowMetric
        from mlflow.entities import Param

        experiment = self._experiment(report.suite, create=True)
        assert experiment is not None
        tags = {
            "git_commit": git.commit,
            "git_dirty": str(git.dirty).lower(),
            "suite": report.suite,
            "passed": str(report.passed).lower(),
            "mlflow.runName": f"{report.suite}@{git.commit[:8]}",
        }
        run = self._client.create_run(experiment, tags=tags)
        now = int(time.time() * 1000)
        metrics = [MlflowMetric(metric_key(m.name), float(m.value), now, 0) for m in report.metrics]
        params = [
            Param(f"threshold.{metric_key(m.name)}"[:250], f"{'>=' if m.higher_is_better else '<='} {m.threshold}")
            for m in report.metrics
            if m.threshold is not None
        ]
        self._client.log_batch(run.info.run_id, metrics=metrics, params=params)
        self._client.set_terminated(run.info.run_id, "FINISHED")
        return str(run.info.run_id)

    def find(self, suite: str, ref: str) -> PastRun | None:
        """The run `ref` names for this suite: `last`, a run id, or a git ref / commit prefix (newest match)."""
        experiment = self._experiment(suite, create=False)
        if experiment is None:
            return None
        if _RUN_ID.match(ref):
            from mlflow.exceptions import MlflowException

            try:
                run = self._client.get_run(ref)
            except MlflowException:  # not a run id after all: it may be a commit
                run = None
            if run is not None and str(run.info.experiment_id) == experiment:
                return _past(run)
        if ref.lower() in LATEST:
            where = ""
        else:
            commit = resolve_commit(ref) or ref
            if not re.fullmatch(r"[0-9a-fA-F]{4,40}", commit):
                return None
            where = f"tags.git_commit LIKE '{commit.lower()}%'"
        runs = self._client.search_runs([experiment], filter_string=where, order_by=["attributes.start_time DESC"],
                                        max_results=1)  # fmt: skip
        return _past(runs[0]) if runs else None


def _past(run: Any) -> PastRun:
    return PastRun(
        run_id=str(run.info.run_id),
        commit=str(run.data.tags.get("git_commit", "unknown")),
        started=(run.info.start_time or 0) / 1000,
        metrics={k: float(v) for k, v in run.data.metrics.items()},
    )


def compare(report: EvalReport, past: PastRun) -> list[Delta]:
    """Metric by metric, in the report's order; metrics the earlier run had and this one lacks last."""
    deltas = []
    seen = set()
    for m in report.metrics:
        key = metric_key(m.name)
        seen.add(key)
        deltas.append(Delta(m.name, past.metrics.get(key), float(m.value), m.higher_is_better))
    deltas += [Delta(k, v, None) for k, v in sorted(past.metrics.items()) if k not in seen]
    return deltas
