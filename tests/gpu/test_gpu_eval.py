"""The GPU eval suite: splits its seeds in code, reports on the held-out ones, and counts a plan
that breaks a constraint as a violation."""

from __future__ import annotations

import dataclasses

import pytest

from opsgraph.evals import gpu as suite
from opsgraph.tools.gpu import plan as plan_module


def test_the_suite_reports_on_seeds_that_chose_no_threshold() -> None:
    assert not set(suite.DEV_SEEDS) & set(suite.TEST_SEEDS)
    report = suite.run()
    assert report.details["split"]["reported_on"] == "test"
    assert report.metric("violations").value == 0 and report.passed, report.metrics


def test_a_plan_that_moves_a_pinned_pod_counts_as_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    real = plan_module.make_plan

    def broken(snapshot, usage, settings, objectives):  # type: ignore[no-untyped-def]
        made = real(snapshot, usage, settings, objectives)
        job = next(p for p in snapshot.pods if p.owner_kind == "Job")
        full = next(n.name for n in snapshot.gpu_nodes if n.name != job.node)
        bad = plan_module.Action("move", job.key, "bad", {"to": full})
        return dataclasses.replace(made, actions=(*made.actions, bad))

    monkeypatch.setattr(plan_module, "make_plan", broken)
    row = suite.evaluate(1000, {"nodes_opt": 6, "jobs": True})
    assert row["violations"] >= 1
