"""The `anomaly_scan` tool: pull a metric from Prometheus and report its anomalous periods."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opsgraph.tools import results
from opsgraph.tools.anomaly.promql import (
    Signal,
    check_k8s_name,
    default_step,
    format_duration,
    parse_duration,
)
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Unavailable
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

TOOL = "anomaly_scan"
MAX_SERIES = 20
MAX_LISTED_POINTS = 50


class AnomalyScanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str | None = Field(
        None, description="PromQL expression or metric name to scan, e.g. 'rate(http_requests_total[5m])'"
    )
    name: str | None = Field(None, description="workload whose pods to scan when no query is given")
    namespace: str | None = Field(None, description="namespace of the workload")
    signal: Signal = Field("cpu", description="with name: cpu | memory | restarts | errors")
    window: str = Field("6h", description="report anomalies in this much recent time, e.g. 30m, 6h, 7d")
    baseline: str = Field("1d", description="history before the window the detector learns 'normal' from")
    step: str | None = Field(None, description="query resolution, e.g. 1m (default: about 1500 points)")
    end: datetime | None = Field(None, description="end of the window (default: now)")

    @field_validator("window", "baseline", "step")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else check_k8s_name(value, "workload name")

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str | None) -> str | None:
        return None if value is None else check_k8s_name(value, "namespace")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("query is empty; give a PromQL expression or a metric name")
        return value

    @model_validator(mode="after")
    def _something_to_scan(self) -> AnomalyScanArgs:
        if self.query is None and self.name is None:
            raise ValueError("give a PromQL `query` (or metric name), or a workload `name` to scan")
        return self


@REGISTRY.tool(
    TOOL,
    args=AnomalyScanArgs,
    risk="read",
    description=(
        "Find anomalies in a metric over a recent window (seasonality-aware streaming detector on "
        "Prometheus data). Give a PromQL query or metric name, or a workload name (and namespace) "
        "to scan its pods' CPU, memory, restarts or error rate."
    ),
    examples=("any anomalies in checkout cpu in the last 6h?", "scan rate(http_requests_total[5m]) over 1d"),
)
def anomaly_scan(args: AnomalyScanArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.anomaly.prometheus import query_range
    from opsgraph.tools.anomaly.promql import workload_query
    from opsgraph.tools.anomaly.scan import scan

    url = ctx.settings.prometheus_url
    if not url:
        raise Unavailable(
            "no Prometheus is configured", hint="set OPSGRAPH_PROMETHEUS_URL, e.g. http://prometheus:9090"
        )
    assert args.query is not None or args.name is not None  # the args model guarantees it
    query = args.query if args.query is not None else workload_query(args.name or "", args.namespace, args.signal)
    window_s, baseline_s = parse_duration(args.window), parse_duration(args.baseline)
    end = _epoch(args.end) if args.end else time.time()
    start = end - window_s - baseline_s
    step = parse_duration(args.step) if args.step else default_step(window_s + baseline_s)
    found = query_range(url, query, start, end, step, timeout=ctx.settings.request_timeout_s)
    where = f"the last {args.window}" if args.end is None else f"{args.window} up to {args.end.isoformat()}"
    if not found:
        return results.no_data(TOOL, f"Prometheus has no data for `{query}` over {where}", {"query": query})
    scans = [(labels, scan(series, report_from=end - window_s)) for labels, series in found[:MAX_SERIES]]
    data: dict[str, Any] = {
        "query": query,
        "start": start,
        "end": end,
        "step": format_duration(step),
        "window": args.window,
        "series_total": len(found),
        "series": [_series_data(labels, s) for labels, s in scans],
    }
    anomalous = [(labels, s) for labels, s in scans if s.periods]
    data["anomalous_series"] = len(anomalous)
    scanned = f"{len(scans)} series" + (f" (first {MAX_SERIES} of {len(found)})" if len(found) > MAX_SERIES else "")
    if not anomalous:
        return results.ok(TOOL, f"No anomalies in `{query}` over {where} ({scanned}).", data)
    lines = [f"Anomalies in {len(anomalous)} of {scanned} of `{query}` over {where}:"]
    for _labels, s in anomalous[:5]:
        lines.append(f"{s.series.name}: {s.summary(limit=3)}")
    return results.ok(TOOL, "\n".join(lines), data)


def _series_data(labels: dict[str, str], s: Any) -> dict[str, Any]:
    series = s.series
    rows = s.anomalous_rows
    return {
        "series": series.name,
        "labels": labels,
        "points": len(series) - s.first_reported,
        "anomalous_points": len(rows),
        "periods": [
            {
                "start": series.labels[p.start],
                "end": series.labels[p.end],
                "peak": series.labels[p.peak],
                "peak_score": round(p.peak_score, 4),
                "peak_value": series.values[p.peak],
            }
            for p in s.periods
        ],
        "anomalies": [
            {"timestamp": series.labels[i], "value": series.values[i], "score": round(s.scores[i], 4)}
            for i in rows[:MAX_LISTED_POINTS]
        ],
    }


def _epoch(moment: datetime) -> float:
    """A timestamp without a zone is UTC, as in Prometheus."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
