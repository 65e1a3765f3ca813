"""Prompts suite: every prompt file's cases pass their format checks against the local
OpenAI-compatible server, and every prompt's version matches its locked hash. With
OPSGRAPH_BRAIN=llm the cases also run against the configured model (model_pass_rate)."""

from __future__ import annotations

from pathlib import Path

from opsgraph.evals.base import EvalReport, Metric


def run(data_dir: Path | None = None) -> EvalReport:
    from opsgraph.agent.llm.prompts.checks import run as run_checks
    from opsgraph.agent.settings import Settings

    settings = Settings()
    base_url = settings.llm_base_url if settings.brain == "llm" else None
    report = run_checks(base_url=base_url, model=settings.llm_model, api_key=settings.llm_api_key)
    formats = report.of("format")
    metrics = [
        Metric(name="cases_valid", value=round(len(report.passed("format")) / max(len(formats), 1), 4)),
        Metric(name="lock_ok", value=0.0 if report.lock_problems else 1.0),
        Metric(name="cases", value=len(formats)),
    ]
    if base_url:
        models = report.of("model")
        metrics.append(
            Metric(name="model_pass_rate", value=round(len(report.passed("model")) / max(len(models), 1), 4))
        )
    details = report.to_json()
    details["cases"] = [c for c in details["cases"] if not c["passed"]]  # failures only
    return EvalReport(suite="prompts", metrics=metrics, details=details)
