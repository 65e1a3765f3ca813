"""Every eval suite has its gates in evals/thresholds.yaml, and each gate names a metric the suite
really reports (a misspelt metric name would gate nothing)."""

from __future__ import annotations

from opsgraph.evals.base import suites
from opsgraph.evals.thresholds import shipped


def test_every_suite_has_thresholds() -> None:
    assert sorted(set(suites()) - set(shipped().suites)) == []


def test_conversation_gates_name_reported_metrics() -> None:
    from opsgraph.evals.conversations import report

    gated = set(shipped().suites["conversations"].metrics)
    assert gated <= {m.name for m in report([]).metrics}
