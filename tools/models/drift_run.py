"""One drift check, end to end: load the reference (a file, or the data a model version was
trained on), check the current data, compute drift, write the report and log it to MLflow."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgraph.tools.errors import InvalidInput, NotFound
from opsgraph.tools.models.checks import CheckResult, run_checks
from opsgraph.tools.models.drift import DriftResult, dataset_drift
from opsgraph.tools.models.frames import FrameError, read_frame, schema_problem
from opsgraph.tools.models.settings import ModelsSettings

if TYPE_CHECKING:
    import pandas as pd

    from opsgraph.tools.models.store import ModelStore


@dataclass(frozen=True)
class DriftCheck:
    drift: DriftResult
    checks: list[CheckResult]
    model: str | None = None
    version: int | None = None
    reference: str = ""  # where the reference came from
    current: str = ""
    report: str | None = None  # the HTML report written
    run_id: str | None = None  # the MLflow run the report was logged to
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        document = self.drift.to_json()
        document |= {
            "data_checks": {
                "passed": not self.failed_checks,
                "failed": [c.to_json() for c in self.failed_checks],
                "count": len(self.checks),
            },
            "model": self.model,
            "version": self.version,
            "reference": self.reference,
            "current": self.current,
            "report": self.report,
            "mlflow_run_id": self.run_id,
            "seconds": round(self.seconds, 3),
        }
        return document


def _read(path: Path | str, what: str) -> pd.DataFrame:
    try:
        return read_frame(path, what=what)
    except FrameError as exc:
        raise InvalidInput(str(exc)) from None


def _compare(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], settings: ModelsSettings, where: str
) -> tuple[DriftResult, list[CheckResult]]:
    problem = schema_problem(reference[columns], current)
    if problem is not None:
        raise InvalidInput(problem.message(where))
    checks = run_checks(
        reference, current, columns,
        max_null_increase=settings.max_null_increase,
        max_out_of_range=settings.max_out_of_range,
        max_unseen=settings.max_unseen_categories,
    )  # fmt: skip
    if settings.drift_engine == "evidently":
        from opsgraph.tools.models.drift_evidently import run_evidently

        result = run_evidently(reference, current, columns=columns, threshold_share=settings.dataset_drift_share)
    else:
        result = dataset_drift(reference, current, columns=columns, threshold_share=settings.dataset_drift_share,
                               rule=settings.dataset_rule, fdr=settings.dataset_fdr)  # fmt: skip
    return result, checks


def check_files(reference: Path, current: Path, settings: ModelsSettings, *, html: Path | None = None) -> DriftCheck:
    started = time.perf_counter()
    ref = _read(reference, "reference")
    cur = _read(current, "current")
    result, checks = _compare(ref, cur, [str(c) for c in ref.columns], settings, f"current file {current}")
    report = None
    if html is not None:
        from opsgraph.tools.models.report_html import write_report

        report = str(write_report(html, f"Drift: {current.name} vs {reference.name}", result, checks))
    return DriftCheck(result, checks, reference=str(reference), current=str(current), report=report,
                      seconds=time.perf_counter() - started)  # fmt: skip


def check_model(
    store: ModelStore,
    model: str,
    settings: ModelsSettings,
    *,
    version: int | None = None,
    current: Path | None = None,
    report_dir: Path,
    log_to_mlflow: bool = True,
) -> DriftCheck:
    started = time.perf_counter()
    if version is None:
        version = store.alias_version(model, "champion")
        if version is None:
            versions = store.versions(model)
            if not versions:
                raise NotFound(f"{model} has no versions")
            version = versions[-1].version
    info = store.version(model, version)
    location = str(current) if current is not None else store.current_data(model)
    if not location:
        raise InvalidInput(f"no current data given for {model} and none is configured",
                           hint="pass a CSV/Parquet path as `current`")  # fmt: skip
    ref = store.version_frame(info, "reference")
    cur = _read(location, f"current data for {model}")
    columns = [c for c in info.features if c in ref.columns] or [str(c) for c in ref.columns]
    extras = [c for c in (info.target, "prediction") if c and c in ref.columns and c in cur.columns]
    result, checks = _compare(ref, cur, columns + [c for c in extras if c not in columns], settings,
                              f"current data {location}")  # fmt: skip
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    html_path = report_dir / f"{model}-v{version}-{stamp}.html"
    from opsgraph.tools.models.report_html import write_report

    write_report(html_path, f"Drift: {model} version {version}", result, checks)
    summary = {"dataset_drift": result.dataset_drift, "drift_share": result.drift_share}
    run_id = None
    if log_to_mlflow:
        json_path = html_path.with_suffix(".json")
        json_path.write_text(json.dumps(result.to_json(), indent=1))
        run_id = store.log_drift_report(model, version, [html_path, json_path], summary)
    return DriftCheck(
        result, checks, model=model, version=version,
        reference=f"{model} v{version} data/reference.csv (sha256 {(info.reference_sha256 or '')[:12]})",
        current=location, report=str(html_path), run_id=run_id, seconds=time.perf_counter() - started,
    )  # fmt: skip
