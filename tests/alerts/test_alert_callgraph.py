"""Trace alerts as a call graph: calls explain their callee side, weighed by their own history."""

from __future__ import annotations

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.callgraph import Call, explain
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.digest import IncidentDigest
from opsgraph.tools.alerts.incidents import by_size, snapshot
from opsgraph.tools.alerts.modalities import ModalityPolicy
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.ranking import Cause
from tests.alerts.alert_builders import T0, alert, shop

GRAPH = ModalityPolicy(logs=True, traces="graph")


def span(caller: str, callee: str, at: float, op: str = "/op") -> Alert:
    return alert("TraceLatencyDegraded", at, source="traces", pod=callee, caller=caller, callee=callee, operation=op)


def ranked(alerts: list[Alert], baseline: AlertBaseline | None = None) -> list[Cause]:
    """The causes of the largest incident `alerts` make through the call-graph policy."""
    c = Correlator(shop(), baseline=baseline)
    c.ingest_many(GRAPH.apply(alerts))
    (largest, *_) = by_size([snapshot(inc, c.topology, c.baseline) for inc in c.incidents()])
    return list(largest.causes)


def test_client_side_spans_are_evidence_about_the_callee_not_votes_for_the_caller() -> None:
    calls = [Call("checkout-0", "checkout-0", T0 + i, 1.0) for i in range(20)]  # its view of its calls
    calls.append(Call("checkout-0", "payments-0", T0, 1.0))
    ev = explain(calls, shop())
    assert ev.explains.get("checkout-0", 0.0) == 0.0
    assert ev.explains["payments-0"] > 0.99


def test_client_side_spans_naming_no_callee_say_nothing() -> None:
    ev = explain([Call("checkout-0", "checkout-0", T0, 1.0)], shop())
    assert ev.explains == {}


def test_a_service_and_a_node_explain_what_their_pods_explain() -> None:
    ev = explain([Call("frontend-0", "cart-0", T0, 1.0), Call("frontend-0", "cart-1", T0, 1.0)], shop())
    assert ev.explains["cart"] == ev.explains["node-b"] == 1.0
    assert ev.explains["cart-0"] == ev.explains["cart-1"] == 0.5


def test_a_hundred_spans_of_one_call_are_one_call() -> None:
    storm = [span("checkout-0", "payments-0", i, op=f"/pay/{i}") for i in range(100)]
    folded = GRAPH.apply(storm)
    assert len({a.fingerprint for a in folded}) == 1


def test_trace_alerts_are_not_signals_of_their_callee() -> None:
    """Hundreds of spans about one callee do not make it a cause without its own evidence."""
    spans = [span(f"checkout-{i % 3}", "cart-0", 1 + i, op=f"/c/{i}") for i in range(60)]
    causes = ranked([alert("HighCPU", 0, pod="checkout-2", service="checkout"), *spans])
    assert causes[0].entity == "checkout-2"
    assert "cart-0" not in [c.entity for c in causes]


def test_callers_slow_first_corroborate_a_candidate_and_the_evidence_says_so() -> None:
    """Two pods with the same kind of alert: the one whose callers' spans went slow first ranks
    first (without the spans, cart-0 would: same evidence, and it sorts first by name), and its
    evidence line reads as a person would check it."""
    alerts = [
        span("frontend-0", "checkout-2", 0, op="/checkout"),
        span("frontend-0", "checkout-2", 2, op="/cart"),
        alert("HighMemory", 40, pod="cart-0", service="cart"),
        alert("HighMemory", 40, pod="checkout-2", service="checkout"),
    ]
    causes = ranked(alerts)
    assert causes[0].entity == "checkout-2"
    assert "its callers' spans slow or failing first (1 caller, 100% of the anomalous calls)" in causes[0].evidence
    assert "its own HighMemory alert 40s later" in causes[0].evidence
    assert "callers' spans" not in causes[1].evidence
    without = ranked(alerts[2:])
    assert without[0].entity == "cart-0"


def test_a_call_slow_in_every_incident_corroborates_nothing() -> None:
    baseline = AlertBaseline()
    for k in range(10):  # the same call is slow in each of ten earlier incidents, 30 minutes apart
        correlator = Correlator(shop(), baseline=baseline)
        correlator.ingest_many(GRAPH.apply([span("frontend-0", "checkout-2", 1800 * k)]))
        correlator.flush()
    later = 1800 * 11
    alerts = [
        span("frontend-0", "checkout-2", later),
        alert("HighMemory", later + 40, pod="cart-0", service="cart"),
        alert("HighMemory", later + 40, pod="checkout-2", service="checkout"),
    ]
    causes = ranked(alerts, baseline)
    assert [c.entity for c in causes[:2]] == ["cart-0", "checkout-2"]  # a tie, broken by name
    assert causes[0].score == causes[1].score
    assert "callers' spans" not in causes[1].evidence


def test_a_merged_incident_holds_the_calls_of_both_with_their_first_times() -> None:
    """Two incidents about the same call merge: the merged tally holds what one built from every
    member holds (earliest first time, every family), as a receiver's kept digest must."""
    first = [*GRAPH.apply([span("frontend-0", "checkout-2", 30), alert("HighMemory", 40, pod="checkout-2")])]
    errors = [
        alert("TraceErrors", 10, source="traces", pod="checkout-2", caller="frontend-0", callee="checkout-2"),
        alert("TraceErrors", 12, source="traces", pod="cart-0", caller="checkout-2", callee="cart-0"),
    ]
    second = GRAPH.apply(errors)
    c1, c2, both = Correlator(shop()), Correlator(shop()), Correlator(shop())
    c1.ingest_many(first)
    c2.ingest_many(second)
    both.ingest_many([*first, *second])
    (a,), (b,), (ab,) = c1.incidents(), c2.incidents(), both.incidents()
    kept = IncidentDigest.of(a.members)
    kept.absorb(IncidentDigest.of(b.members))
    fresh = IncidentDigest.of(ab.members).tally.calls
    assert kept.tally.calls == fresh
    assert fresh[("frontend-0", "checkout-2")].first_at == T0 + 10
    assert fresh[("frontend-0", "checkout-2")].families == {"trace_latency_degraded", "trace_errors"}
    assert fresh[("checkout-2", "cart-0")].families == {"trace_errors"}
