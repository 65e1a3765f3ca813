"""The receiver's own counters (channels.webhooks.metrics) as a source of the process registry
(core.telemetry.metrics), so one /metrics shows the agent, the receiver and the model path:

- `opsgraph_alerts_received_total`, `opsgraph_webhook_payloads_total{outcome}`,
  `opsgraph_incidents_open`, `opsgraph_alert_processing_seconds` (ingest: received -> stored),
  under the names they always had;
- `opsgraph_incident_update_lag_seconds` (correlation: accepted -> in an incident update), from
  the storm intake's lag sample;
- `opsgraph_queue_depth{queue="alert_intake"|"alert_correlation"}`: payloads waiting for the
  writer, stored batches waiting for the correlator;
- the model path's `LLM_METRICS` (requests, tokens, cost, latency, cache) when it was used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from opsgraph.channels.webhooks.metrics import BUCKETS, ReceiverMetrics
from opsgraph.core.telemetry.metrics import metrics

LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def expose(receiver: ReceiverMetrics, pipeline: Any, intake: Any) -> None:
    """Make this app's receiver the one /metrics reports (the last app built in a process wins)."""
    registry = metrics()
    lag = _lag_histogram(intake) if intake is not None else None

    def collect() -> Iterable[Any]:
        yield from _receiver_families(receiver, pipeline.open_incidents())
        if lag is not None:
            yield from lag.collect()

    registry.register_source("receiver", collect)
    registry.register_source("llm", _llm_families)
    if intake is not None:
        # The intake's queues (tools.alerts.intake) have no public size; read them as they are.
        registry.register_queue("alert_intake", intake._inbox.qsize)
        registry.register_queue("alert_correlation", intake._stored.qsize)


def _receiver_families(m: ReceiverMetrics, incidents_open: int) -> Iterable[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    yield CounterMetricFamily(
        "opsgraph_alerts_received", "Alerts received in accepted Alertmanager payloads.", value=m.alerts_received
    )
    payloads = CounterMetricFamily("opsgraph_webhook_payloads", "Webhook payloads by outcome.", labels=("outcome",))
    for outcome, count in m.payloads.items():
        payloads.add_metric((outcome,), count)
    yield payloads
    yield GaugeMetricFamily("opsgraph_incidents_open", "Correlated incidents with firing alerts.", value=incidents_open)
    buckets, cumulative = [], 0
    for bound, count in zip(BUCKETS, m.bucket_counts, strict=True):
        cumulative += count
        buckets.append((str(bound), cumulative))
    buckets.append(("+Inf", m.latency_count))
    yield HistogramMetricFamily(
        "opsgraph_alert_processing_seconds",
        "Time from receiving an Alertmanager payload to having it stored (and, without the storm intake, correlated).",
        buckets=buckets,
        sum_value=m.latency_sum,
    )


def _lag_histogram(intake: Any) -> Any:
    from prometheus_client import Histogram

    histogram = Histogram(
        "opsgraph_incident_update_lag_seconds",
        "Time from accepting an alert to the incident update that included it (correlation latency).",
        buckets=LAG_BUCKETS,
        registry=None,
    )
    # The intake keeps a bounded sample of these lags; every lag it records is observed here too.
    intake.update_lags = _ObservedDeque(histogram, intake.update_lags)
    return histogram


class _ObservedDeque(deque[float]):
    def __init__(self, histogram: Any, existing: deque[float]) -> None:
        super().__init__(existing, maxlen=existing.maxlen)
        self._histogram = histogram

    def append(self, value: float) -> None:
        self._histogram.observe(value)
        super().append(value)

    def extend(self, values: Iterable[float]) -> None:
        for value in values:
            self.append(value)


def _llm_families() -> Iterable[Any]:
    """LLM_METRICS keeps its own text rendering (the gateway serves it); read back as families."""
    import sys

    module = sys.modules.get("opsgraph.serving.metrics")
    if module is None:  # the model path was never used in this process: nothing to report
        return
    from prometheus_client.parser import text_string_to_metric_families

    yield from text_string_to_metric_families(module.LLM_METRICS.render())
