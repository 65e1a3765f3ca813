"""Prometheus metrics of the model path, in the text exposition format (0.0.4): requests, tokens,
cost, latency by model and brain, cache hits. One registry per process (`LLM_METRICS`); the
gateway serves it on `/metrics`, and any other server can append `LLM_METRICS.render()`."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass, field

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _fmt(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in items)
    return "{" + ",".join(escaped) + "}"


@dataclass
class Counter:
    name: str
    help: str
    values: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self.values[_labels(labels)] += amount

    def get(self, **labels: str) -> float:
        return self.values.get(_labels(labels), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_fmt(k)} {v:g}" for k, v in sorted(self.values.items())]
        return lines


@dataclass
class Histogram:
    name: str
    help: str
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def observe(self, value: float, **labels: str) -> None:
        key = _labels(labels)
        counts = self.counts.setdefault(key, [0] * (len(self.buckets) + 1))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[key] += value

    def count(self, **labels: str) -> int:
        return sum(self.counts.get(_labels(labels), []))

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, counts in sorted(self.counts.items()):
            cumulative = 0
            for bound, n in zip(self.buckets, counts, strict=False):
                cumulative += n
                lines.append(f"{self.name}_bucket{_fmt(key, (('le', f'{bound:g}'),))} {cumulative}")
            lines.append(f"{self.name}_bucket{_fmt(key, (('le', '+Inf'),))} {sum(counts)}")
            lines.append(f"{self.name}_sum{_fmt(key)} {self.sums[key]:.6f}")
            lines.append(f"{self.name}_count{_fmt(key)} {sum(counts)}")
        return lines


class LLMMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = Counter("opsgraph_llm_requests_total", "Model requests by model, source and outcome.")
        self.tokens = Counter("opsgraph_llm_tokens_total", "Tokens by model, user and kind (prompt|completion).")
        self.cost = Counter("opsgraph_llm_cost_usd_total", "Estimated model cost in USD by model and user.")
        self.latency = Histogram("opsgraph_llm_request_seconds", "Model request latency by model and source.")
        self.turns = Counter("opsgraph_brain_turns_total", "Agent turns by the brain that answered and why.")
        self.cache = Counter("opsgraph_gateway_cache_total", "Gateway cache lookups by result (hit|miss|bypass).")

    def render(self) -> str:
        with self._lock:
            lines: list[str] = []
            for metric in (self.requests, self.tokens, self.cost, self.latency, self.turns, self.cache):
                lines += metric.render()
        return "\n".join(lines) + "\n"

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


LLM_METRICS = LLMMetrics()
