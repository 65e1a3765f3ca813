"""One Prometheus registry per process, and the metrics of the agent's choke points.

Instrumented where every request passes, never in a tool: the turn (`Agent` in agent/service.py),
the graph's nodes (agent/graph.py), the tool registry (`Registry.call`), the approval steps
(policy, approval and execute nodes). Parts that keep their own counters (the webhook receiver,
its queues, the model path's `LLM_METRICS`) join the same registry as named *sources*: a
callable yielding metric families at scrape time. A source registered again under the same name
replaces the old one (a test, or a second app in one process).

`opsgraph serve` exposes `render()` on /metrics. prometheus_client is imported on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

Source = Callable[[], Iterable[Any]]  # yields prometheus_client.core.Metric families

TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# What an approval can become: asked for, decided (by a person or by policy), refused to someone
# who may not approve, found expired, and what its execution did.
APPROVAL_OUTCOMES = ("requested", "approved", "denied", "refused", "expired", "executed", "failed")


class AgentMetrics:
    """The process's registry and the metrics the agent records into it."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
        from prometheus_client.platform_collector import PlatformCollector
        from prometheus_client.process_collector import ProcessCollector

        disable_created_metrics()  # no `_created` series beside every counter: half the scrape, no use here
        self.registry: CollectorRegistry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        r = self.registry
        self.turns = Counter(
            "opsgraph_turns", "Agent turns by channel, brain and outcome.", ("channel", "brain", "outcome"), registry=r
        )
        self.turn_seconds = Histogram(
            "opsgraph_turn_duration_seconds",
            "Wall time of one agent turn (or approval decision) by channel; time waiting for a person is not in it.",
            ("channel",),
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.node_seconds = Histogram(
            "opsgraph_graph_node_duration_seconds", "Time in one graph step by node.", ("node",),
            buckets=STEP_BUCKETS, registry=r,
        )  # fmt: skip
        self.tool_calls = Counter(
            "opsgraph_tool_calls", "Tool calls through the registry by tool and status.", ("tool", "status"), registry=r
        )
        self.tool_seconds = Histogram(
            "opsgraph_tool_call_duration_seconds", "Time of one tool call by tool.", ("tool",),
            buckets=STEP_BUCKETS, registry=r,
        )  # fmt: skip
        self.approvals = Counter(
            "opsgraph_approvals", "Approvals by outcome: " + ", ".join(APPROVAL_OUTCOMES) + ".", ("outcome",),
            registry=r,
        )  # fmt: skip
        self.plans = Counter(
            "opsgraph_plans",
            "Planning steps by the brain that answered: planner, model, fallback (the model failed, the planner "
            "answered) or proposal (a structured call, no brain).",
            ("brain",),
            registry=r,
        )
        self.guard = Counter(
            "opsgraph_guard_verdicts",
            "Guardrail verdicts: stage input (allow|block) and output (allow|flag, a tool result that reads like "
            "instructions is kept as data and flagged).",
            ("stage", "verdict"),
            registry=r,
        )
        for outcome in APPROVAL_OUTCOMES:  # present from the start: a rate over a missing series is empty
            self.approvals.labels(outcome)
        self._sources: dict[str, Source] = {}
        self._queues: dict[str, Callable[[], int]] = {}
        self._lock = threading.Lock()
        r.register(_Sources(self))
        self.register_source("queues", self._queue_depths)

    def register_queue(self, name: str, depth: Callable[[], int]) -> None:
        """`opsgraph_queue_depth{queue=name}`: what waits in that queue at scrape time."""
        with self._lock:
            self._queues[name] = depth

    def _queue_depths(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        with self._lock:
            queues = dict(self._queues)
        family = GaugeMetricFamily("opsgraph_queue_depth", "Items waiting in a work queue.", labels=("queue",))
        for name, depth in sorted(queues.items()):
            family.add_metric((name,), float(depth()))
        yield family

    def register_source(self, name: str, source: Source) -> None:
        with self._lock:
            self._sources[name] = source

    def drop_source(self, name: str, source: Source | None = None) -> None:
        """Forget a source (only if it is still `source`, when given)."""
        with self._lock:
            if source is None or self._sources.get(name) is source:
                self._sources.pop(name, None)

    def sources(self) -> list[Source]:
        with self._lock:
            return list(self._sources.values())

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _Sources:
    """A prometheus_client collector over the named sources; one failing source is skipped, not
    the whole scrape."""

    def __init__(self, owner: AgentMetrics) -> None:
        self._owner = owner

    def collect(self) -> Iterable[Any]:
        import logging

        for source in self._owner.sources():
            try:
                yield from list(source())
            except Exception:
                logging.getLogger(__name__).exception("a metrics source failed; its metrics are left out")

    def describe(self) -> list[Any]:
        return []  # names are not known ahead; the registry then does not check them for clashes


_METRICS: AgentMetrics | None = None
_CREATE = threading.Lock()

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def metrics() -> AgentMetrics:
    global _METRICS
    if _METRICS is None:
        with _CREATE:
            if _METRICS is None:
                _METRICS = AgentMetrics()
    return _METRICS
