"""`anomaly_scan` against a real Prometheus holding a known history (backfilled with promtool)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY, load_builtin_tools
from opsgraph.tools.results import ToolResult
from tests.support.prometheus import prometheus_factory  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

STEP = 300
DAY = 86400


def openmetrics(start: int, end: int, anomaly: tuple[int, int]) -> str:
    """Two pods of a service with a daily cycle; pod b's latency jumps during `anomaly`."""
    rng = np.random.default_rng(11)
    lines = ["# HELP checkout_latency_ms request latency", "# TYPE checkout_latency_ms gauge"]
    for t in range(start, end + 1, STEP):
        base = 120.0 + 40.0 * math.sin(2 * math.pi * (t % DAY) / DAY)
        for pod in ("checkout-a", "checkout-b"):
            value = base + float(rng.normal(0.0, 2.0))
            if pod == "checkout-b" and anomaly[0] <= t < anomaly[1]:
                value += 60.0
            lines.append(f'checkout_latency_ms{{pod="{pod}"}} {value:.3f} {t}')
    lines.append("# EOF")
    return "\n".join(lines)


def scan(url: str, **args: object) -> ToolResult:
    load_builtin_tools()
    ctx = ToolContext(Settings(prometheus_url=url), actor="tester")
    return REGISTRY.call("anomaly_scan", args, ctx)


def test_scan_reports_the_injected_anomaly_and_not_the_normal_periods(
    prometheus_factory: Callable[..., str],  # noqa: F811
) -> None:
    # Keep the history clear of the server's head block: end 3h ago, on the 5-minute grid.
    end = (int(time.time()) // STEP) * STEP - 3 * 3600
    start = end - 3 * DAY
    injected = (end - 10 * 3600, end - 10 * 3600 + 30 * 60)  # 30 minutes, 10h before the end
    url = prometheus_factory(openmetrics(start, end, injected))

    result = scan(
        url,
        query="checkout_latency_ms",
        window="1d",
        baseline="2d",
        step="5m",
        end=datetime.fromtimestamp(end, UTC).isoformat(),
    )

    assert result.status == "ok", result.text
    data = result.data
    by_pod = {s["labels"]["pod"]: s for s in data["series"]}
    assert set(by_pod) == {"checkout-a", "checkout-b"}
    assert by_pod["checkout-a"]["periods"] == []
    periods = by_pod["checkout-b"]["periods"]
    assert len(periods) == 1
    first = datetime.fromisoformat(periods[0]["start"].replace("Z", "+00:00")).timestamp()
    last = datetime.fromisoformat(periods[0]["end"].replace("Z", "+00:00")).timestamp()
    assert injected[0] <= first < injected[1]
    assert last <= injected[1] + 3600  # the drop back to normal belongs to the same period
    assert data["anomalous_series"] == 1
    assert "checkout-b" in result.text and "checkout-a" not in result.text


def test_empty_results_are_no_data_and_bad_promql_says_so(
    prometheus_factory: Callable[..., str],  # noqa: F811
) -> None:
    url = prometheus_factory()
    empty = scan(url, query="metric_nobody_exports", window="1h", baseline="1h")
    assert empty.status == "no_data", empty.text
    assert "metric_nobody_exports" in empty.text

    bad = scan(url, query="rate(http_requests_total[5m]", window="1h")
    assert bad.status == "error"
    assert bad.error is not None and bad.error.kind == "invalid_input"
    assert "Prometheus rejected the query" in bad.text
