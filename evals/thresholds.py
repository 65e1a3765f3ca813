"""evals/thresholds.yaml: thresholds per suite and metric, applied over what suites report."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opsgraph.evals.base import EvalReport, Metric


class Bound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Bound:
        if (self.min is None) == (self.max is None):
            raise ValueError("give exactly one of min (higher is better) or max (lower is better)")
        return self


class SuiteThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ci: bool | str = Field(
        False,
        description="true: tests/evals/test_suites_in_ci.py runs the suite; a path: the test module that gates it",
    )
    metrics: dict[str, Bound] = Field(default_factory=dict)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suites: dict[str, SuiteThresholds] = Field(default_factory=dict)

    def apply(self, report: EvalReport) -> EvalReport:
        """The report with this file's thresholds on the metrics it lists."""
        config = self.suites.get(report.suite)
        if config is None:
            return report
        metrics = [_bounded(m, config.metrics.get(m.name)) for m in report.metrics]
        return report.model_copy(update={"metrics": metrics})

    def ci_suites(self) -> list[str]:
        """Suites tests/evals/test_suites_in_ci.py runs (`ci: true`)."""
        return sorted(name for name, s in self.suites.items() if s.ci is True)

    def gated_elsewhere(self) -> dict[str, str]:
        """Suite -> the test module that gates it (`ci: tests/...py`)."""
        return {name: s.ci for name, s in self.suites.items() if isinstance(s.ci, str)}


def _bounded(metric: Metric, bound: Bound | None) -> Metric:
    if bound is None:
        return metric
    if bound.min is not None:
        return metric.model_copy(update={"threshold": bound.min, "higher_is_better": True})
    return metric.model_copy(update={"threshold": bound.max, "higher_is_better": False})


def load(path: Path | None = None) -> Thresholds:
    text = path.read_text() if path else files("opsgraph.evals").joinpath("thresholds.yaml").read_text()
    return Thresholds.model_validate(yaml.safe_load(text) or {})


@cache
def shipped() -> Thresholds:
    return load()
