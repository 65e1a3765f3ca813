"""Durations ("6h", "1h30m", "7d") and the default PromQL for a workload.

Workload and namespace names are checked against the Kubernetes naming rules before they go into
a query, so a name can never change the query's meaning.
"""

from __future__ import annotations

import re
from typing import Literal

Signal = Literal["cpu", "memory", "restarts", "errors"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^(?:(\d+)(ms|s|m|h|d|w|y))+$")
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_NICE_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus-style duration; ValueError with the fix when it is not one."""
    cleaned = text.strip().lower()
    if not _DURATION.match(cleaned):
        raise ValueError(f"{text!r} is not a duration; use a number and a unit, e.g. 30m, 6h, 7d or 1h30m")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(cleaned))
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return float(seconds)


def format_duration(seconds: float) -> str:
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def default_step(span_s: float, target_points: int = 1500) -> float:
    """The smallest "nice" step (15s, 30s, 1m, ...) giving at most `target_points` points."""
    for step in _NICE_STEPS:
        if span_s / step <= target_points:
            return float(step)
    return float(_NICE_STEPS[-1])


def check_k8s_name(value: str, what: str) -> str:
    if not _K8S_NAME.match(value):
        raise ValueError(f"{what} {value!r} is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')")
    return value


def workload_query(name: str, namespace: str | None, signal: Signal = "cpu") -> str:
    """Per-pod PromQL for a workload's pods (`<name>-...`, as Deployments and StatefulSets name
    them), using the metric names cAdvisor, kube-state-metrics and common HTTP exporters expose."""
    # Valid names hold only [-a-z0-9.]; a literal "." in the regex is "\\." inside a PromQL string.
    pods = 'pod=~"' + name.replace(".", r"\\.") + '-.*"'
    scope = f'namespace="{namespace}",{pods}' if namespace else pods
    containers = f'{scope},container!="",container!="POD"'
    if signal == "cpu":
        return f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{containers}}}[5m]))"
    if signal == "memory":
        return f"sum by (pod) (container_memory_working_set_bytes{{{containers}}})"
    if signal == "restarts":
        return f"sum by (pod) (increase(kube_pod_container_status_restarts_total{{{scope}}}[15m]))"
    return (
        f'sum by (pod) (rate(http_requests_total{{{scope},code=~"5.."}}[5m]))'
        f" / sum by (pod) (rate(http_requests_total{{{scope}}}[5m]))"
    )
