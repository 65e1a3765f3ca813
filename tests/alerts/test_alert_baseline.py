"""The alert history: chronic signals, family-level smoothing, service-wide patterns."""

from __future__ import annotations

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.patterns import SHARED_PREFIX, incident_keys
from opsgraph.tools.alerts.signals import resource, signal
from tests.alerts.alert_builders import T0, alert, shop


def test_a_signal_that_fires_on_many_entities_is_unsurprising_even_where_it_is_new() -> None:
    baseline = AlertBaseline()
    for i in range(10):  # CPU jitter on a different pod in every incident
        baseline.record([(f"pod-{i}", "cpu_jitter_up"), ("db", f"rare_{i}")], T0 + 600 * i)
    jitter = baseline.probability(("pod-new", "cpu_jitter_up"), T0 + 6000)
    never = baseline.probability(("pod-new", "disk_full_up"), T0 + 6000)
    assert jitter > 2 * never
    assert AlertBaseline(family_weight=0).probability(("pod-new", "cpu_jitter_up"), T0) == 0.1


def test_a_chronic_key_is_likely_and_decays_when_it_stops_firing() -> None:
    baseline = AlertBaseline(half_life_s=3600)
    for hour in range(6):
        baseline.record([("frontend-0", "throttling_up")], T0 + 3600 * hour)
    now = baseline.probability(("frontend-0", "throttling_up"), T0 + 3600 * 6)
    later = baseline.probability(("frontend-0", "throttling_up"), T0 + 3600 * 30)
    assert now > 0.7 and later < 0.2


def test_pods_of_one_service_showing_a_signal_together_are_one_recorded_pattern() -> None:
    c = Correlator(shop())
    c.ingest(alert("ContainerCPUThrottling", pod="checkout-0"))
    c.ingest(alert("ContainerCPUThrottling", at=1, pod="checkout-1"))
    c.ingest(alert("ContainerCPUThrottling", at=2, pod="cart-0"))  # alone in its service
    (inc,) = c.incidents()
    keys = incident_keys(inc.members)
    assert ("checkout", SHARED_PREFIX + "container_cpu_throttling") in keys
    assert not any(k[0] == "cart" for k in keys)
    c.flush()
    assert c.baseline.probability(("checkout", SHARED_PREFIX + "container_cpu_throttling"), T0 + 60) > 0.5


def test_signals_name_the_resource_they_measure() -> None:
    def res(name: str) -> str | None:
        return resource(signal({"alertname": name})[0])

    assert res("container_network_receive_MB.eth0") == "network"
    assert res("system.io.r_s") == "disk"
    assert res("NodeMemoryPressure") == "memory"
    assert res("ContainerOOMKilled") == "memory"
    assert res("docker_cpu_core_7_norm_pct") == "cpu"
    assert res("HighLatency") is None


def test_request_counters_of_a_disk_are_not_service_symptoms() -> None:
    def category(name: str) -> str:
        return signal({"alertname": name})[1]

    assert category("system_diskio_iostat_read_request_per_sec_up") == "infra"
    assert category("grpc-mrt_up") == "symptom"
    assert category("HighRequestLatency") == "symptom"
