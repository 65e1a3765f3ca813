"""A PromQL expression typed in chat reaches anomaly_scan exactly as written (issue 9 item 12)."""

from __future__ import annotations

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


def test_the_planner_passes_the_expression_to_the_scan(tmp_path: object) -> None:
    from pathlib import Path

    from opsgraph.agent.inventory import from_scenario
    from opsgraph.agent.planner.planner import DeterministicPlanner
    from opsgraph.agent.settings import Settings
    from opsgraph.sandbox.scenario import default_scenario_path

    planner = DeterministicPlanner.load(Path(Settings().cache_dir))
    plan = planner.plan("any anomalies in rate(x[10s]) over the last 5m?", from_scenario(default_scenario_path(), None))
    assert [(c.name, c.args.get("query")) for c in plan.tool_calls] == [("anomaly_scan", "rate(x[10s])")]
