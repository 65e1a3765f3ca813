"""The receiver's own metrics, in the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
OUTCOMES = ("stored", "rejected", "failed")


@dataclass
class ReceiverMetrics:
    alerts_received: int = 0
    payloads: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    bucket_counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    latency_sum: float = 0.0
    latency_count: int = 0

    def stored(self, alerts: int, seconds: float) -> None:
        self.payloads["stored"] += 1
        self.alerts_received += alerts
        self.latency_sum += seconds
        self.latency_count += 1
        index = bisect.bisect_left(BUCKETS, seconds)
        if index < len(BUCKETS):
            self.bucket_counts[index] += 1

    def outcome(self, name: str) -> None:
        self.payloads[name] += 1

    def render(self, incidents_open: int) -> str:
        lines = [
            "# HELP opsgraph_alerts_received_total Alerts received in accepted Alertmanager payloads.",
            "# TYPE opsgraph_alerts_received_total counter",
            f"opsgraph_alerts_received_total {self.alerts_received}",
            "# HELP opsgraph_webhook_payloads_total Webhook payloads by outcome.",
            "# TYPE opsgraph_webhook_payloads_total counter",
            *(f'opsgraph_webhook_payloads_total{{outcome="{k}"}} {v}' for k, v in self.payloads.items()),
            "# HELP opsgraph_incidents_open Correlated incidents with firing alerts.",
            "# TYPE opsgraph_incidents_open gauge",
            f"opsgraph_incidents_open {incidents_open}",
            "# HELP opsgraph_alert_processing_seconds Time to validate, store and correlate one payload.",
            "# TYPE opsgraph_alert_processing_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip(BUCKETS, self.bucket_counts, strict=True):
            cumulative += count
            lines.append(f'opsgraph_alert_processing_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines += [
            f'opsgraph_alert_processing_seconds_bucket{{le="+Inf"}} {self.latency_count}',
            f"opsgraph_alert_processing_seconds_sum {self.latency_sum:.6f}",
            f"opsgraph_alert_processing_seconds_count {self.latency_count}",
        ]
        return "\n".join(lines) + "\n"
