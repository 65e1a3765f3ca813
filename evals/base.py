"""What every eval suite returns, and where the public measuring data lives.

A suite is a function `run(data_dir: Path) -> EvalReport`, named in `suites()`. Suites that need
../shared/data return a skipped report (never a failure) when it is absent: a user's clone has no
../shared. A suite that needs no public data says so with a default: `run(data_dir: Path | None = None)`.
Thresholds from evals/thresholds.yaml are applied over every report (`run_suite`).
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

# suite name -> "module:function" for suites that belong to no capability; capabilities declare
# their own in capability.py (`eval_suites`), and `suites()` merges both.
CORE_SUITES: dict[str, str] = {
    "rca": "opsgraph.evals.rca:run",
    "injection": "opsgraph.evals.injection:run",
    "nab": "opsgraph.evals.nab:run",
    "planner": "opsgraph.evals.planner:run",
    "prompts": "opsgraph.evals.prompts:run",
    "conversations": "opsgraph.evals.conversations:run",
}


class Metric(BaseModel):
    name: str
    value: float
    threshold: float | None = None
    higher_is_better: bool = True
    anchor: str | None = Field(None, description="published numbers to compare against")

    @property
    def passed(self) -> bool:
        if self.threshold is None:
            return True
        return self.value >= self.threshold if self.higher_is_better else self.value <= self.threshold


class EvalReport(BaseModel):
    suite: str
    metrics: list[Metric] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        return self.skipped is None and all(m.passed for m in self.metrics)

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)


def shared_data_dir() -> Path | None:
    """`OPSGRAPH_SHARED_DATA`, else ../shared/data beside the project (or the working dir)."""
    configured = os.environ.get("OPSGRAPH_SHARED_DATA")
    candidates = [Path(configured)] if configured else []
    project_root = Path(__file__).resolve().parent.parent
    candidates += [project_root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def suites() -> dict[str, str]:
    from opsgraph.tools.capabilities import capabilities

    merged = dict(CORE_SUITES)
    for capability in capabilities():
        merged |= dict(capability.eval_suites)
    return merged


def load_suite(name: str) -> Callable[..., EvalReport]:
    known = suites()
    if name not in known:
        raise KeyError(f"unknown eval suite {name!r}; known: {', '.join(sorted(known))}")
    module_name, func_name = known[name].split(":")
    fn: Callable[..., EvalReport] = getattr(importlib.import_module(module_name), func_name)
    return fn


def needs_data(fn: Callable[..., EvalReport]) -> bool:
    """A suite needs ../shared/data unless its `data_dir` parameter defaults to None."""
    params = list(inspect.signature(fn).parameters.values())
    return not params or params[0].default is not None


class SuiteOptionError(ValueError):
    """An option given to a suite that does not take it (e.g. --cases to the nab suite)."""


def run_suite(name: str, data_dir: Path | None = None, **inputs: Path | int) -> EvalReport:
    """Run one suite. `inputs` are suite-specific files or folders (`cases=` for investigation,
    `tasks=` for iac), passed as keyword arguments to suites that declare them."""
    from opsgraph.evals.thresholds import shipped

    fn = load_suite(name)
    accepted = inspect.signature(fn).parameters
    for option in inputs:
        if option not in accepted:
            raise SuiteOptionError(f"--{option} does not apply to the {name} suite")
    data = data_dir or shared_data_dir()
    if data is None and needs_data(fn):
        return EvalReport(suite=name, skipped="../shared/data not found (set OPSGRAPH_SHARED_DATA)")
    report = fn(data, **inputs) if data is not None else fn(**inputs)
    return shipped().apply(report)
