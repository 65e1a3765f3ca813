"""What opsgraph's own observability costs a turn, tracing off (the default): the node wrapper
(span + histogram), the turn bracket (request id, span, counters, one INFO log call filtered at
WARNING), the tool-call counter and the plan counter, each timed alone in a tight loop (best of
5 runs), then added up for a one-step read turn (9 graph nodes, 1 tool call, 1 plan, 1 guard).

    .venv/bin/python benchmarks/bench_observability.py

Named baseline: the same node function called bare. A model-less turn takes ~20 ms
(bench_agent_overhead.py), so the figure here is a share of that.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any


def best_us(fn: Callable[[], Any], n: int = 20_000, reps: int = 5) -> float:
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - started) / n * 1e6)
    return min(runs)


def main() -> None:
    from opsgraph.agent.instrumentation import count_guard, count_plan, traced_node, turn
    from opsgraph.core.telemetry import tracing
    from opsgraph.core.telemetry.metrics import metrics
    from opsgraph.tools.registry import _count

    assert not tracing.enabled(), "unset OTEL_* to measure the default (tracing off)"
    logging.getLogger().setLevel(logging.WARNING)
    metrics()

    def node(state: dict[str, Any]) -> dict[str, Any]:
        return {}

    wrapped = traced_node("bench", node)

    def one_turn() -> None:
        with turn("cli", "turn") as record:
            record.finish("done", {"brain": "planner"}, "t")

    bare = best_us(lambda: node({}))
    per_node = best_us(lambda: wrapped({})) - bare
    bracket = best_us(one_turn, 5_000)
    tool = best_us(lambda: _count("k8s_status", "ok", 0.001))
    plan = best_us(lambda: count_plan({"brain": "planner"}))
    guard = best_us(lambda: count_guard("input", "allow"))
    total = 9 * per_node + bracket + tool + plan + guard
    print(f"load {os.getloadavg()[0]:.1f}")
    print(f"graph node wrapper   {per_node:6.2f} us  (bare node call {bare:.2f} us)")
    print(f"turn bracket         {bracket:6.2f} us")
    print(f"tool call counter    {tool:6.2f} us")
    print(f"plan counter         {plan:6.2f} us")
    print(f"guard counter        {guard:6.2f} us")
    print(f"one-step read turn   {total:6.1f} us  ({total / 20_000:.2%} of a 20 ms turn)")


if __name__ == "__main__":
    main()
