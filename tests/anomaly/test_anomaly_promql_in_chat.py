"""A PromQL expression typed in chat reaches anomaly_scan exactly as written (issue 9 item 12)."""

from __future__ import annotations

from typing import Any

import pytest

from opsgraph.tools.anomaly.planner import promql_expression


@pytest.mark.parametrize(
    ("message", "expression"),
    [
        ("any anomalies in rate(x[10s]) over the last 5m?", "rate(x[10s])"),
        (
            'anomalies in sum(rate(http_requests_total{job="api", code=~"5.."}[5m])) by (pod) over 6h',
            'sum(rate(http_requests_total{job="api", code=~"5.."}[5m])) by (pod)',
        ),
        ('scan up{job="node"} for anomalies', 'up{job="node"}'),
        (
            "is histogram_quantile(0.99, rate(req_bucket[5m])) unusual?",
            "histogram_quantile(0.99, rate(req_bucket[5m]))",
        ),
    ],
)
def test_the_expression_is_kept_whole(message: str, expression: str) -> None:
    assert promql_expression(message) == expression


@pytest.mark.parametrize("message", ["any anomalies in checkout cpu?", "scan rate(x[10s for anomalies"])
def test_no_expression_when_there_is_none_or_it_never_closes(message: str) -> None:
    assert promql_expression(message) is None


def test_the_planner_passes_the_expression_to_the_scan(planner: Any, inventory: Any) -> None:
    plan = planner.plan("any anomalies in rate(x[10s]) over the last 5m?", inventory)
    assert [(c.name, c.args.get("query")) for c in plan.tool_calls] == [("anomaly_scan", "rate(x[10s])")]
