"""The "injection" eval suite on the public data (skipped when ../shared/data is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsgraph.evals.base import EvalReport, run_suite
from opsgraph.evals.injection.probe import own_probe
from opsgraph.guardrails.injection import detector as detector_module
from opsgraph.guardrails.injection.corpus import load_corpus
from opsgraph.guardrails.injection.detector import Detector
from tests.evals.gate import gate, still_misses

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def report(shared_data: Path, _trained_detector: Detector) -> EvalReport:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detector_module, "_default", _trained_detector)
        return run_suite("injection", shared_data)


def test_suite_reports_every_metric_with_anchors(report: EvalReport) -> None:
    names = {m.name for m in report.metrics}
    assert report.metrics[0].name == "balanced_accuracy_held_out"  # the honest number comes first
    assert report.metrics[0].threshold == 0.95
    assert report.details["protocol"]["held_out"] == ["tensor_trust", "BIPIA_text", "wildguard"]
    assert {
        "balanced_accuracy_valid",
        "balanced_accuracy_extended",
        "over_defense_accuracy",
        "ops_commands_blocked",
    } <= names
    assert "Lakera Guard 95.22" in (report.metric("balanced_accuracy_valid").anchor or "")
    assert "PIGuard 87.32" in (report.metric("over_defense_accuracy").anchor or "")
    assert report.details["valid"]["n_attack"] == 48 and report.details["valid"]["n_benign"] == 96


def test_own_probe_is_development_data_the_classifier_never_saw(report: EvalReport) -> None:
    probe = own_probe()
    assert report.details["own_probe"]["n_attack"] == sum(s.label for s in probe) > 40
    assert "own_probe.jsonl" in report.details["protocol"]["development"]
    corpus_runs: set[str] = set()
    for example in load_corpus():
        corpus_runs |= _runs(example.text)
    shared = [s.text for s in probe if _runs(s.text) & corpus_runs]
    assert not shared, f"probe rows share 8 words in a row with the training corpus: {shared[:3]}"


def _runs(text: str, size: int = 8) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_suite_meets_its_thresholds(report: EvalReport) -> None:
    """Development floors and budgets from evals/thresholds.yaml; the held-out target is below."""
    gate(report, misses={"balanced_accuracy_held_out"})


def test_development_floors_are_not_the_issue_target(report: EvalReport) -> None:
    # development sets carry regression floors (evals/thresholds.yaml), never the issue's target
    assert (report.metric("balanced_accuracy_valid").threshold or 0) < 0.95


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 19 target not met on the held-out sets: balanced accuracy 0.940 < 0.95",
)
def test_balanced_accuracy_meets_the_issue_target_held_out(report: EvalReport) -> None:
    still_misses(report, "balanced_accuracy_held_out")
