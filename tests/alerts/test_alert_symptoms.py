"""The symptom frontier and silent suspects (symptoms.py) on a hand-made incident."""

from __future__ import annotations

from opsgraph.tools.alerts.evidence import EntityEvidence
from opsgraph.tools.alerts.symptoms import silent_suspects, symptomatic_dependencies
from tests.alerts.alert_builders import silent_store


def _symptomatic(at: float) -> EntityEvidence:
    return EntityEvidence("service", None, None, at, symptom=2.0, symptom_at=at)


def test_a_callee_whose_symptoms_started_later_does_not_explain_its_caller() -> None:
    symptoms = {"api": _symptomatic(0.0), "orders": _symptomatic(60.0), "billing": _symptomatic(0.0)}
    upstream = symptomatic_dependencies(symptoms, silent_store())
    assert upstream == {"api": ("billing",), "orders": (), "billing": ()}


def test_a_shared_dependency_is_suspected_only_while_what_it_depends_on_is_quiet() -> None:
    topology = silent_store()
    symptoms = {"orders": _symptomatic(0.0), "billing": _symptomatic(0.0)}
    upstream = symptomatic_dependencies(symptoms, topology)
    assert silent_suspects(symptoms, upstream, {"orders", "billing"}, topology) == {"ledger-db": ("billing", "orders")}
    assert silent_suspects(symptoms, upstream, {"orders", "billing", "node-x"}, topology) == {}
    assert silent_suspects(symptoms, upstream, {"orders", "billing", "ledger-db"}, topology) == {}
