"""Root-cause ranking on small hand-written dependency graphs."""

from __future__ import annotations

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.incidents import snapshot
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.ranking import Cause
from opsgraph.tools.alerts.topology import Topology
from tests.alerts.alert_builders import T0, alert, shop, silent_store


def ranked(alerts: list[Alert], topology: Topology | None = None, baseline: AlertBaseline | None = None) -> list[Cause]:
    """The probable causes of the one incident `alerts` make, in rank order."""
    c = Correlator(topology or shop(), baseline=baseline)
    for i, a in enumerate(alerts):
        c.ingest(a, i)
    (inc,) = c.incidents()
    return snapshot(inc, c.topology, c.baseline).causes


def causes(alerts: list[Alert], topology: Topology | None = None, baseline: AlertBaseline | None = None) -> list[str]:
    return [cause.entity for cause in ranked(alerts, topology, baseline)]


def test_database_fault_explains_the_alerts_of_the_services_that_depend_on_it() -> None:
    ranked = causes(
        [
            alert("HighLatency", at=0, service="checkout"),  # the symptom is noticed first upstream
            alert("PostgresTooManyConnections", at=5, database="db"),
            alert("HighErrorRate", at=20, service="payments"),
            alert("HighErrorRate", at=40, service="checkout"),
            alert("HighErrorRate", at=50, service="frontend"),
        ]
    )
    assert ranked[0] == "db"
    assert ranked.index("db") < ranked.index("payments")


def test_all_pods_of_a_service_alerting_together_point_at_the_service() -> None:
    ranked = causes([alert("PodCrashLooping", at=i, pod=f"checkout-{i}") for i in range(3)])
    assert ranked[0] == "checkout"


def test_one_pod_alerting_alone_points_at_the_pod_not_its_service() -> None:
    ranked = causes(
        [
            alert("ContainerMemoryNearLimit", pod="checkout-1"),
            alert("PodCrashLooping", at=10, pod="checkout-1"),
            alert("HighLatency", at=30, service="frontend"),
        ]
    )
    assert ranked[0] == "checkout-1"


def test_node_fault_beats_the_pods_it_hosts() -> None:
    ranked = causes(
        [
            alert("NodeMemoryPressure", node="node-b"),
            alert("ContainerOOMKilled", at=20, pod="cart-0"),
            alert("ContainerOOMKilled", at=25, pod="checkout-2"),
        ]
    )
    assert ranked[0] == "node-b"


def test_a_dependent_that_alerted_after_its_dependency_is_not_the_cause() -> None:
    ranked = causes(
        [
            alert("CacheEvictionsHigh", database="redis"),
            alert("ContainerCPUThrottling", at=30, pod="cart-0"),
            alert("ContainerCPUThrottling", at=31, pod="cart-1"),
            alert("HighLatency", at=40, service="checkout"),
        ]
    )
    assert ranked[0] == "redis"


def test_a_chronic_alert_weighs_less_than_a_new_one() -> None:
    baseline = AlertBaseline()
    for hour in range(10):  # frontend-0's throttling alert fired in every recent incident
        baseline.record([("frontend-0", "container_cpu_throttling")], T0 - 3600 * (10 - hour))
    fresh = [
        alert("ContainerCPUThrottling", pod="frontend-0"),
        alert("ContainerCPUThrottling", at=5, pod="checkout-0"),
    ]
    assert causes(fresh, baseline=baseline)[0] == "checkout-0"
    assert causes(fresh)[0] == "frontend-0"  # without that history, the first to alert leads


def test_every_cause_has_a_kind_a_score_and_one_line_of_evidence() -> None:
    c = Correlator(shop())
    c.ingest(alert("PostgresDown", database="db"), 0)
    c.ingest(alert("HighErrorRate", at=20, service="payments"), 1)
    snap = snapshot(c.incidents()[0], c.topology, c.baseline)
    top = snap.causes[0]
    assert (top.entity, top.kind) == ("db", "database")
    assert 0 < top.score <= 1 and sum(x.score for x in snap.causes) <= 1.0001
    assert top.evidence and "\n" not in top.evidence
    assert "explains symptoms on 1 dependent" in top.evidence
    assert snap.actions[0].entity == "db" and "database db" in snap.actions[0].text


def test_a_pod_using_what_its_node_alerts_on_takes_the_node_alert() -> None:
    top = ranked(
        [
            alert("ContainerFsWritesHigh", pod="cart-0"),  # the pod writes first...
            alert("NodeDiskIOHigh", at=5, node="node-b"),  # ...then its node's disk is busy
            alert("NodeFilesystemFillingUp", at=5, node="node-b"),
        ]
    )[0]
    assert top.entity == "cart-0"
    assert "explains resource alerts of its node node-b" in top.evidence


def test_a_node_keeps_its_alert_when_pods_of_many_services_on_it_suffer() -> None:
    ranked = causes(
        [
            alert("NodeMemoryPressure", node="node-a"),
            alert("ContainerMemoryNearLimit", pod="checkout-0"),  # node-a hosts three services
            alert("ContainerMemoryNearLimit", pod="frontend-0"),
            alert("ContainerMemoryNearLimit", pod="search-0"),
        ]
    )
    assert ranked[0] == "node-a"


def test_a_service_wide_pattern_that_recurs_weighs_less_than_a_new_one() -> None:
    topology, baseline = shop(), AlertBaseline()
    for hour in range(8):  # every hour the three checkout pods throttle together (a batch job)
        c = Correlator(topology, baseline=baseline)
        for i in range(3):
            c.ingest(alert("ContainerCPUThrottling", at=hour * 3600 - 30_000 + i, pod=f"checkout-{i}"))
        c.flush()
    today = [alert("ContainerCPUThrottling", at=i, pod=f"checkout-{i}") for i in range(3)]
    today += [alert("ContainerMemoryNearLimit", at=2 + i, pod=f"cart-{i}") for i in range(2)]
    assert causes(today, topology, baseline)[0] == "cart"
    assert causes(today, topology)[0] == "checkout"  # without that history, the first to alert leads


def test_errors_that_follow_a_callee_point_at_that_callee_not_at_a_quiet_sibling() -> None:
    # checkout calls payments and cart; payments errors, and so do checkout and frontend above it.
    # cart-0's resource blips must not collect checkout's errors: they follow payments'.
    alerts = [
        alert("HighErrorRate", service="payments"),
        alert("HighErrorRate", service="checkout"),
        alert("HighErrorRate", service="frontend"),
        alert("ContainerMemoryNearLimit", pod="cart-0"),
        alert("ContainerCPUThrottling", pod="cart-0"),
    ]
    by_entity = {x.entity: x for x in ranked(alerts)}
    assert next(iter(by_entity)) == "payments"
    assert "explains symptoms on 2 dependents" in by_entity["payments"].evidence
    assert "explains symptoms" not in by_entity["cart-0"].evidence
    assert "likely downstream of payments" in by_entity["checkout"].evidence


def test_a_caller_whose_errors_started_first_is_not_blamed_on_a_callee_that_errored_later() -> None:
    by_entity = {
        x.entity: x
        for x in ranked(
            [alert("HighErrorRate", service="checkout"), alert("HighErrorRate", at=180, service="payments")]
        )
    }
    assert "downstream" not in by_entity["checkout"].evidence
    assert next(iter(by_entity)) == "checkout"


def test_a_node_whose_pods_all_alert_with_it_in_the_same_scrape_ranks_first() -> None:
    # node-b runs checkout-1, checkout-2, cart-0 and cart-1: its CPU alert and theirs arrive together.
    alerts = [alert("NodeCPUHigh", node="node-b")]
    alerts += [alert("ContainerCPUThrottling", pod=p) for p in ("checkout-1", "checkout-2", "cart-0", "cart-1")]
    top = ranked(alerts)[0]
    assert top.entity == "node-b"
    assert "explains cpu on 4 of its 4 pods" in top.evidence


def test_one_workload_on_a_busy_node_takes_the_node_alert_when_they_move_together() -> None:
    # cart-0 and cart-1 are two of node-b's four pods: a workload using its node, not the node's fault.
    alerts = [alert("NodeMemoryPressure", node="node-b")]
    alerts += [alert("ContainerMemoryNearLimit", pod=p) for p in ("cart-0", "cart-1")]
    names = causes(alerts)
    assert names[0] in ("cart", "cart-0", "cart-1")
    assert "node-b" not in names


def _errors(*services: str) -> list[Alert]:
    return [alert("HighErrorRate", at=10 * i, service=s) for i, s in enumerate(services)]


def test_a_dependency_without_alerts_that_every_erroring_service_shares_is_a_suspect() -> None:
    assert "ledger-db" in causes(_errors("orders", "billing", "api"), silent_store())[:3]


def test_a_silent_suspect_says_it_has_no_alerts_and_why_it_is_suspected() -> None:
    suspect = next(x for x in ranked(_errors("orders", "billing", "api"), silent_store()) if x.entity == "ledger-db")
    assert suspect.kind == "database"
    assert suspect.evidence.startswith("no alerts of its own; billing and orders depend on it")
    assert suspect.evidence.endswith("explains symptoms on 3 dependents")


def test_no_silent_suspect_when_only_one_dependent_errors() -> None:
    assert "ledger-db" not in causes(_errors("orders", "api"), silent_store())
