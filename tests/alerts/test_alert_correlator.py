"""The streaming correlator: dedup, resolve lifecycle, flapping, grouping by topology, time, labels."""

from __future__ import annotations

from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.entities import EntityResolver
from opsgraph.tools.alerts.funnel import compute_funnel
from opsgraph.tools.alerts.incidents import snapshot
from opsgraph.tools.alerts.related import MAX_RELATED, RelatedIndex
from opsgraph.tools.alerts.topology import EMPTY, Topology
from tests.alerts.alert_builders import alert, resolved, shop


def test_resent_alert_is_deduplicated_into_one_incident_with_every_notification_index() -> None:
    c = Correlator(shop())
    a = alert("PodCrashLooping", pod="cart-0")
    for i in range(5):
        c.ingest(a, i)
    (inc,) = c.incidents()
    assert len(inc.members) == 1
    assert sorted(inc.events) == [0, 1, 2, 3, 4]
    assert c.stats.duplicates == 4 and c.stats.noise_reduced == 1


def test_resolve_closes_the_alert_and_the_incident_becomes_resolved() -> None:
    c = Correlator(shop())
    a = alert("PodCrashLooping", pod="cart-0")
    c.ingest(a, 0)
    inc = c.ingest(resolved(a, 120), 1)
    snap = snapshot(inc, c.topology, c.baseline)
    assert snap.status == "resolved" and snap.firing == 0
    assert c.firing() == []
    assert c.stats.resolves == 1


def test_flapping_alert_stays_in_its_incident_and_is_flagged() -> None:
    c = Correlator(shop())
    a = alert("ContainerMemoryNearLimit", pod="checkout-0")
    c.ingest(a, 0)
    t = 0.0
    for i in range(4):
        c.ingest(resolved(a, t + 60), 2 * i + 1)
        t += 600  # comes back every 10 minutes, long after the grouping window
        c.ingest(alert("ContainerMemoryNearLimit", at=t, pod="checkout-0"), 2 * i + 2)
    (inc,) = c.incidents()
    snap = snapshot(inc, c.topology, c.baseline)
    assert snap.flapping == ("ContainerMemoryNearLimit on checkout-0",)
    assert snap.status == "firing"
    assert c.stats.refires == 4 and c.stats.flapping == 1
    assert compute_funnel(c.stats, [snap]).noise_reduced == 1


def test_a_refire_long_after_its_incident_ended_is_a_new_incident() -> None:
    c = Correlator(shop(), flap_window_s=3600)
    a = alert("PodCrashLooping", pod="cart-0")
    first = c.ingest(a, 0)
    c.ingest(resolved(a, 60), 1)
    c.ingest(alert("Unrelated", at=5 * 3600, pod="search-0"), 2)  # time moves on
    again = c.ingest(alert("PodCrashLooping", at=5 * 3600 + 10, pod="cart-0"), 3)
    assert again.id != first.id
    assert len(c.incidents()) == 3


def test_topology_groups_a_database_fault_with_its_dependents_but_not_unrelated_services() -> None:
    c = Correlator(shop())
    db = c.ingest(alert("PostgresDown", database="db"), 0)
    payments = c.ingest(alert("HighErrorRate", at=20, service="payments"), 1)
    checkout = c.ingest(alert("HighLatency", at=40, service="checkout"), 2)
    search = c.ingest(alert("HighLatency", at=45, service="search"), 3)
    assert db.id == payments.id == checkout.id
    assert search.id != db.id


def test_pods_of_one_service_join_the_same_incident_and_time_separates_incidents() -> None:
    c = Correlator(shop())
    first = c.ingest(alert("PodCrashLooping", pod="checkout-0"), 0)
    second = c.ingest(alert("PodCrashLooping", at=30, pod="checkout-2"), 1)
    later = c.ingest(alert("ContainerCPUThrottling", at=3 * 3600, pod="checkout-1"), 2)
    assert first.id == second.id
    assert later.id != first.id


def test_two_incidents_merge_when_an_alert_links_them_directly() -> None:
    c = Correlator(shop())
    db = c.ingest(alert("PostgresDown", database="db"), 0)
    frontend = c.ingest(alert("HighErrorRate", at=5, service="frontend"), 1)
    assert db.id != frontend.id  # three hops apart: not related (yet)
    c.ingest(alert("HighLatency", at=15, service="checkout"), 2)
    merged = c.ingest(alert("HighErrorRate", at=20, service="payments"), 3)  # next to db and checkout
    assert len(c.incidents()) == 1 and len(merged.members) == 4
    assert sorted(merged.events) == [0, 1, 2, 3]


def test_without_topology_alerts_group_by_labels() -> None:
    c = Correlator(EMPTY)
    a = c.ingest(alert("HighLatency", service="checkout", namespace="prod"), 0)
    b = c.ingest(alert("HighErrorRate", at=30, service="checkout", namespace="prod"), 1)
    d = c.ingest(alert("DiskFull", at=3600, instance="10.0.0.9:9100"), 2)
    assert a.id == b.id != d.id


def test_low_value_alerts_alone_make_a_noise_incident_outside_the_funnel() -> None:
    c = Correlator(shop())
    c.ingest(alert("KubeJobCompleted", severity="info", pod="search-0"), 0)
    c.ingest(alert("PodCrashLooping", at=4000, severity="critical", pod="cart-0"), 1)
    snaps = [snapshot(i, c.topology, c.baseline) for i in c.incidents()]
    funnel = compute_funnel(c.stats, snaps)
    assert funnel.raw == 2 and funnel.low_value == 1
    assert funnel.noise_reduced == 1 and funnel.incidents == 1
    assert sorted(s.noise for s in snaps) == [False, True]


def test_related_entities_of_a_hub_are_capped() -> None:
    nodes = [("hub", "service")] + [(f"caller-{i}", "service") for i in range(2000)]
    edges = [(f"caller-{i}", "hub", "calls") for i in range(2000)]
    index = RelatedIndex(Topology.build(nodes, edges))
    entity = EntityResolver(index.topology).resolve({"service": "hub"})
    assert len(index.direct(entity)) <= MAX_RELATED


def test_resolved_incidents_are_forgotten_after_retention_but_firing_ones_are_kept() -> None:
    c = Correlator(shop(), retention_s=3600)
    old = alert("PodCrashLooping", pod="cart-0")
    first = c.ingest(old, 0).id
    c.ingest(resolved(old, 60), 1)
    stuck = c.ingest(alert("NodeDiskPressure", at=100, node="node-a"), 2)  # never resolves
    c.ingest(alert("HighLatency", at=4 * 3600, service="search"), 3)
    c.ingest(alert("HighLatency", at=9 * 3600, service="frontend"), 4)
    alive = {i.id for i in c.incidents()}
    assert stuck.id in alive and first not in alive and len(alive) == 3 and c.forgotten == 1
    # The forgotten alert firing again is simply new, not an error.
    assert c.ingest(alert("PodCrashLooping", at=9 * 3600 + 5, pod="cart-0"), 5).id != first
