"""`anomaly_scan` through the registry, without a Prometheus (bad args, no config, server down)."""

from __future__ import annotations

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.anomaly.promql import default_step, parse_duration, workload_query
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY, load_builtin_tools
from tests.support.processes import free_port


def context(prometheus_url: str | None = None) -> ToolContext:
    return ToolContext(Settings(prometheus_url=prometheus_url, request_timeout_s=2.0), actor="tester")


def test_anomaly_scan_is_a_builtin_read_tool() -> None:
    tool = load_builtin_tools().get("anomaly_scan")
    assert tool is not None and tool.risk == "read"
    params = tool.llm_schema()["function"]["parameters"]["properties"]
    assert {"query", "name", "namespace", "window", "step"} <= set(params)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, "give a PromQL `query`"),
        ({"query": "up", "window": "6 hours"}, "is not a duration"),
        ({"query": "up", "step": "0s"}, "longer than zero"),
        ({"name": "Checkout!"}, "not a valid Kubernetes name"),
        ({"name": "checkout", "namespace": 'prod"} or vector(1) #'}, "not a valid Kubernetes name"),
        ({"query": "   "}, "query is empty"),
    ],
)
def test_bad_arguments_come_back_with_what_to_fix(args: dict[str, object], expected: str) -> None:
    load_builtin_tools()
    result = REGISTRY.call("anomaly_scan", args, context("http://127.0.0.1:9"))
    assert result.status == "error" and result.error is not None
    assert result.error.kind == "invalid_args"
    assert expected in result.text


def test_without_prometheus_configured_the_error_says_how_to_configure_it() -> None:
    load_builtin_tools()
    result = REGISTRY.call("anomaly_scan", {"query": "up"}, context(None))
    assert result.status == "error" and result.error is not None
    assert result.error.kind == "unavailable"
    assert "OPSGRAPH_PROMETHEUS_URL" in result.text


def test_an_unreachable_prometheus_is_unavailable_not_a_crash() -> None:
    load_builtin_tools()
    result = REGISTRY.call("anomaly_scan", {"query": "up"}, context(f"http://127.0.0.1:{free_port()}"))
    assert result.status == "error" and result.error is not None
    assert result.error.kind == "unavailable" and "cannot reach Prometheus" in result.text


def test_too_fine_a_step_for_the_window_is_refused_with_the_smallest_step_that_works() -> None:
    load_builtin_tools()
    result = REGISTRY.call("anomaly_scan", {"query": "up", "window": "30d", "step": "15s"}, context("http://x:1"))
    assert result.status == "error" and result.error is not None
    assert result.error.kind == "invalid_input" and "use a step of at least" in result.text


def test_workload_queries_select_the_workloads_pods_in_its_namespace() -> None:
    cpu = workload_query("checkout", "shop", "cpu")
    assert 'namespace="shop"' in cpu and 'pod=~"checkout-.*"' in cpu and "container_cpu_usage_seconds_total" in cpu
    assert "kube_pod_container_status_restarts_total" in workload_query("checkout", None, "restarts")
    assert 'code=~"5.."' in workload_query("checkout", "shop", "errors")
    assert r'pod=~"api\\.v2-.*"' in workload_query("api.v2", "shop", "memory")


def test_durations_and_default_steps() -> None:
    assert parse_duration("1h30m") == 5400.0 and parse_duration("7d") == 604800.0
    assert default_step(6 * 3600) == 15.0
    assert default_step(7 * 86400) == 600.0
