"""The agent's choke points, measured: a turn (span, duration, outcome, brain), each graph node
(child span, duration), planning (which brain answered), guard verdicts and approvals. The
metrics live in the process registry (core.telemetry.metrics); spans exist only when an exporter
is configured (core.telemetry.tracing). Tool calls are measured in `Registry.call`."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opsgraph.core.telemetry import tracing
from opsgraph.core.telemetry.metrics import metrics
from opsgraph.core.telemetry.requests import ensure_request

log = logging.getLogger(__name__)


def brain_used(plan: dict[str, Any] | None) -> str:
    """planner | model | fallback | proposal | playbook (| none: the turn ended before planning)."""
    if not plan:
        return "none"
    if plan.get("brain") in ("proposal", "playbook"):
        return str(plan["brain"])
    if plan.get("route") == "fallback" or plan.get("model_problem"):
        return "fallback"
    answered = str(plan.get("answered_by") or plan.get("brain") or "")
    return "model" if answered == "llm" else "planner"


def count_plan(plan: dict[str, Any]) -> None:
    metrics().plans.labels(brain_used(plan)).inc()


def count_guard(stage: str, verdict: str) -> None:
    metrics().guard.labels(stage, verdict).inc()


def count_approval(outcome: str, amount: int = 1) -> None:
    if amount:
        metrics().approvals.labels(outcome).inc(amount)


class TurnRecord:
    """What a turn learned about itself, filled in by `Agent` before the span closes."""

    def __init__(self, span: Any) -> None:
        self.span = span
        self.outcome = "error"
        self.brain = "none"

    def finish(self, outcome: str, plan: dict[str, Any] | None, thread_id: str) -> None:
        self.outcome, self.brain = outcome, brain_used(plan)
        self.span.set_attributes({"opsgraph.outcome": outcome, "opsgraph.brain": self.brain,
                                  "opsgraph.thread_id": thread_id})  # fmt: skip


@contextmanager
def turn(channel: str, kind: str) -> Iterator[TurnRecord]:
    """One turn (`kind` handle) or decision (`kind` decide): a request id (the channel's, or a new
    one), a span with child spans per node, its duration and outcome counted, one log line."""
    kind_of_channel = channel.split(":", 1)[0]  # "slack:C0123" counts as slack: labels stay few
    with ensure_request() as rid:
        started = time.perf_counter()
        with tracing.span(f"opsgraph.{kind}", {"opsgraph.request_id": rid, "opsgraph.channel": channel}) as span:
            record = TurnRecord(span)
            try:
                yield record
            finally:
                seconds = time.perf_counter() - started
                m = metrics()
                m.turns.labels(kind_of_channel, record.brain, record.outcome).inc()
                m.turn_seconds.labels(kind_of_channel).observe(seconds)
                log.info(
                    "%s %s in %.3f s", kind, record.outcome, seconds,
                    extra={"channel": channel, "brain": record.brain, "outcome": record.outcome,
                           "seconds": round(seconds, 4)},
                )  # fmt: skip


def traced_node(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A graph node under its own span and timer. The signature is kept (`functools.wraps`):
    LangGraph reads it to pass `runtime`."""
    histogram = None

    @functools.wraps(fn)
    def node(*args: Any, **kwargs: Any) -> Any:
        nonlocal histogram
        if histogram is None:
            histogram = metrics().node_seconds.labels(name)
        started = time.perf_counter()
        try:
            with tracing.span(f"opsgraph.node.{name}", {"opsgraph.node": name}):
                return fn(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)

    return node
