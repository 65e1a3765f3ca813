"""Remediation triggered by the anomaly detector on a metric: a real Prometheus holding a known
history (backfilled with promtool), `anomaly_scan` through the registry, the investigate playbook
on the sandbox. A watched metric starts a policy with no alert at all, once per anomalous period;
a metric condition next to incident matchers holds only when the metric shows it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from opsgraph.agent.service import Agent
from opsgraph.channels.slack.remediation.engine import Remediation
from opsgraph.channels.slack.remediation.model import load_policies
from opsgraph.tools.alerts.pipeline import AlertPipeline
from tests.slack.conftest import write
from tests.slack.test_remediation import Thread, incident
from tests.support.prometheus import prometheus_factory

pytestmark = pytest.mark.slow
__all__ = ["prometheus_factory"]  # the fixture used below

STEP = 300
DAY = 86400
# History ends 3 h ago on the 5-minute grid (clear of the server's head block); the checkout
# pod's latency jumps for the 30 minutes that end 10 minutes before it.
END = (int(time.time()) // STEP) * STEP - 3 * 3600
START = END - 3 * DAY
ANOMALY = (END - 40 * 60, END - 10 * 60)


def openmetrics() -> str:
    rng = np.random.default_rng(7)
    lines = ["# HELP checkout_latency_ms request latency", "# TYPE checkout_latency_ms gauge"]
    pods = {"checkout-7d9f8b6c5d-x2k4p": "checkout", "cart-5c7d9b8f6d-q7w2e": "cart"}
    for t in range(START, END + 1, STEP):
        base = 120.0 + 40.0 * math.sin(2 * math.pi * (t % DAY) / DAY)
        for pod, service in pods.items():
            value = base + float(rng.normal(0.0, 2.0))
            if service == "checkout" and ANOMALY[0] <= t < ANOMALY[1]:
                value += 80.0
            lines.append(f'checkout_latency_ms{{namespace="prod",pod="{pod}"}} {value:.3f} {t}')
    lines.append("# EOF")
    return "\n".join(lines)


WATCHED = """version: 1
policies:
  - name: latency-anomaly
    trigger:
      anomaly: {query: checkout_latency_ms, window: 1h, baseline: 2d, step: 5m}
    diagnosis: {playbook: investigate}
    actions:
      - fix: playbook
      - call: {tool: k8s_scale, args: {name: "{service}", namespace: "{namespace}", replicas: 5}}
        when: [{fact: anomalous_series, gte: 1}]
    success: {check: metric_below, query: "max(checkout_latency_ms)", threshold: 200, window_s: 600}
"""

WITH_ALERTS = """version: 1
policies:
  - name: crashloop-if-latency
    trigger:
      alerts: ["KubePodCrashLooping"]
      anomaly: {query: 'checkout_latency_ms{namespace="{namespace}"}', window: 1h, baseline: 2d, step: 5m}
    diagnosis: {playbook: investigate}
    actions:
      - call: {tool: k8s_restart, args: {name: "{service}", namespace: "{namespace}"}}
        when: [{fact: anomaly_series, contains: "checkout"}]
"""


class Threads(Thread):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[tuple[str, str, str, str | None, str | None]] = []

    def open(self, thread: str, text: str, severity: str, service: str | None, namespace: str | None) -> bool:
        self.opened.append((thread, text, severity, service, namespace))
        return True


@pytest.fixture(scope="module")
def history() -> str:
    return openmetrics()


@pytest.fixture
def make(
    team_settings: Any, tmp_path: Path, prometheus_factory: Callable[..., str], history: str
) -> Iterator[Callable[..., tuple[Remediation, AlertPipeline, Threads]]]:
    url = prometheus_factory(history)
    settings = team_settings.model_copy(update={"prometheus_url": url})
    settings.ensure_state_dir()
    made: list[Any] = []

    def build(text: str) -> tuple[Remediation, AlertPipeline, Threads]:
        agent = Agent(settings)
        pipeline = AlertPipeline.open(settings.alerts_db)
        agent.context.tools.extras["alert_pipeline"] = pipeline
        threads = Threads()
        policies = load_policies(write(tmp_path / "remediation.yaml", text))
        engine = Remediation(policies, agent, tmp_path / "remediation.sqlite", notifier=threads, pipeline=pipeline)
        made.append((engine, agent, pipeline))
        return engine, pipeline, threads

    yield build
    for engine, agent, pipeline in made:
        engine.close()
        agent.close()
        pipeline.close()


def test_a_watched_metric_starts_the_policy_once_per_anomalous_period(make: Any, sandbox: Any) -> None:
    engine, _, threads = make(WATCHED)
    assert [p.name for p in engine.watched] == ["latency-anomaly"]
    diagnosis, proposal = engine.watch(now=END)
    ((thread, text, severity, service, namespace),) = threads.opened
    assert (service, namespace, severity) == ("checkout", "prod", "warning")  # from the series' labels
    assert "checkout-7d9f8b6c5d-x2k4p" in text and "cart" not in text
    assert diagnosis.intent == "investigate" and "prod/checkout" in diagnosis.answer["diagnosis"]
    (approval,) = proposal.approvals  # the playbook proposed no fix: the declared call
    assert approval.tool == "k8s_scale" and approval.args == {"name": "checkout", "namespace": "prod", "replicas": 5}
    assert "because anomalous_series=1 (gte 1.0) ✓" in threads.text()
    assert all(t.startswith(thread.split("/")[0]) for t, _ in threads.posts)

    assert engine.watch(now=END) == []  # the same period does not start it again
    engine.close()
    again, _, threads2 = make(WATCHED)  # nor after a restart
    assert again.watch(now=END) == [] and threads2.opened == []


def test_a_window_without_an_anomaly_starts_nothing(make: Any) -> None:
    engine, _, threads = make(WATCHED)
    assert engine.watch(now=END - 12 * 3600) == []
    assert threads.opened == [] and threads.posts == []


def test_next_to_incident_matchers_the_metric_must_show_the_anomaly_too(make: Any, sandbox: Any) -> None:
    engine, pipeline, threads = make(WITH_ALERTS)
    assert engine.watched == []  # an incident starts it, not the watch
    assert engine.consider(incident(pipeline, "staging", "cart", hours_ago=6), now=END) == []  # no staging series
    diagnosis, proposal = engine.consider(incident(pipeline, "prod"), now=END)
    assert diagnosis.answer is not None
    (approval,) = proposal.approvals
    assert approval.tool == "k8s_restart" and approval.args == {"name": "checkout", "namespace": "prod"}
    assert "the metric shows it" in threads.text() and "anomaly_series=" in threads.text()
