"""What an alert is a signal of: its family (variants of one signal count once) and category.

- family: the alert name (or its `metric` label plus direction) lower-cased, with numbers replaced
  by `N` and unit/aggregation words dropped, so `docker_cpu_core_7_norm_pct_up` and
  `docker_cpu_core_3_pct_up` are one signal family, `docker_cpu_core_N_up`.
- category: `symptom` (latency, errors, availability: something in the dependency tree is
  wrong), `infra` (node, disk, filesystem, network, kernel), or `resource` (CPU, memory, threads
  ... of one workload). Symptoms point away from the entity that shows them.
- resource: `cpu`, `memory`, `disk` or `network` when the family names one (`resource()`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

Category = Literal["symptom", "resource", "infra"]
TEMPLATE_SEP = "#"  # between a log alert's family and its template: `log_pattern#82`

_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"\d+")
_UNITS = frozenset(
    [
        "total",
        "norm",
        "pct",
        "percent",
        "percentage",
        "ratio",
        "bytes",
        "byte",
        "kb",
        "mb",
        "gb",
        "seconds",
        "second",
        "sec",
        "secs",
        "ms",
        "count",
        "sum",
        "avg",
        "rate",
        "per",
    ]
)
_SYMPTOM = frozenset(
    [
        "latency",
        "latencies",
        "mrt",
        "rt",
        "duration",
        "slow",
        "error",
        "errors",
        "err",
        "5xx",
        "4xx",
        "fail",
        "failed",
        "failure",
        "failures",
        "sr",
        "rr",
        "http",
        "grpc",
        "request",
        "requests",
        "response",
        "timeout",
        "timeouts",
        "availability",
        "unavailable",
        "down",
        "slo",
        "apdex",
        "probe",
        "blackbox",
        "endpoint",
        "target",
    ]
)
# A symptom word next to one of these names a resource's own counter, not a service's: disk
# "requests" and "await" of iostat, CPU or memory "request" settings.
_NOT_SYMPTOM = frozenset(["cpu", "memory", "mem", "threads", "disk", "diskio", "iostat", "io", "fs", "filesystem"])
_INFRA = frozenset(
    [
        "node",
        "system",
        "host",
        "disk",
        "diskio",
        "filesystem",
        "fs",
        "inode",
        "kernel",
        "softirq",
        "iowait",
        "swap",
        "nic",
        "network",
        "packet",
        "packets",
        "receive",
        "transmit",
        "dropped",
        "kubelet",
    ]
)


@lru_cache(maxsize=65536)
def _family(name: str, direction: str = "") -> tuple[str, Category]:
    words = [w for w in _SPLIT.split(_CAMEL.sub("_", name).lower()) if w]
    family = "_".join(_DIGITS.sub("N", w) for w in words if w not in _UNITS) or name.lower()
    if direction:
        family = f"{family}_{direction.lower()}"
    tokens = set(words)
    category: Category
    if tokens & _SYMPTOM and not tokens & _NOT_SYMPTOM:
        category = "symptom"
    elif tokens & _INFRA:
        category = "infra"
    else:
        category = "resource"
    return family, category


def signal(labels: Mapping[str, str]) -> tuple[str, Category]:
    """(family, category) of an alert from its labels. A log alert naming its template
    (`source: logs`, `template_id`, as a Loki ruler per Drain template sends them) keeps the
    template in its family, `log_pattern#82`: each template has its own history."""
    template = labels.get("template_id")
    if template and labels.get("source") == "logs":
        family, category = _family(labels.get("alertname", "") or "unnamed")
        return f"{family}{TEMPLATE_SEP}{template}", category
    metric = labels.get("metric")
    if metric:
        return _family(metric, labels.get("direction", ""))
    return _family(labels.get("alertname", "") or "unnamed")


# Which resource a signal measures, for matching a node's alert with the pods that use that
# resource on it. Checked in this order: "network receive bytes" is network, not disk.
_RESOURCE_WORDS = {
    "network": "network net receive transmit packet packets eth ethn tcp udp socket nic",
    "disk": "disk diskio fs filesystem io iostat inode iowait read reads write writes vda",
    "memory": "memory mem rss anon cache swap pgmajfault oom heap",
    "cpu": "cpu core softirq load idle user system throttling threads thread",
}
_RESOURCES = tuple((name, frozenset(words.split())) for name, words in _RESOURCE_WORDS.items())


@lru_cache(maxsize=65536)
def resource(family: str) -> str | None:
    """`cpu`, `memory`, `disk` or `network` for a signal family, None when it names none."""
    words = set(_SPLIT.split(family.lower()))
    for name, tokens in _RESOURCES:
        if words & tokens:
            return name
    return None
