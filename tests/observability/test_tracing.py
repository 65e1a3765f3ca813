"""Traces of a turn: one span per turn, a child per graph node, the tool call under the node that
ran it, with the attributes an operator filters on. Off (not even imported) without an exporter."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from opsgraph.agent.service import Agent, AgentRequest
from opsgraph.core.telemetry import tracing
from opsgraph.core.telemetry.requests import request_scope


def attrs(span: Any) -> dict[str, Any]:
    return dict(span.attributes or {})


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)


@pytest.fixture
def agent(cluster_settings: Any) -> Iterator[Agent]:
    agent = Agent(cluster_settings)
    yield agent
    agent.close()


def test_a_turn_and_its_approval_are_traced_node_by_node(spans: InMemorySpanExporter, agent: Agent) -> None:
    with request_scope("req-trace-1"):
        asked = agent.handle(AgentRequest(text="scale checkout in prod to 5", user="alice", thread_id="tr1"))
    first = {s.name: s for s in spans.get_finished_spans()}
    turn = first["opsgraph.turn"]
    assert turn.parent is None
    assert (
        attrs(turn).items()
        >= {
            "opsgraph.request_id": "req-trace-1",
            "opsgraph.channel": "cli",
            "opsgraph.outcome": "needs_approval",
            "opsgraph.brain": "planner",
            "opsgraph.thread_id": "tr1",
        }.items()
    )
    nodes = [s for s in spans.get_finished_spans() if s.name.startswith("opsgraph.node.")]
    assert [s.name.removeprefix("opsgraph.node.") for s in nodes] == [
        "guard_input", "route", "plan", "policy", "approval",
    ]  # fmt: skip
    assert all(s.parent is not None and s.parent.span_id == turn.context.span_id for s in nodes)
    pause = first["opsgraph.node.approval"]
    assert pause.attributes and pause.attributes["opsgraph.paused"] is True
    assert pause.status.status_code != StatusCode.ERROR  # waiting for a person is not an error
    preview = first["opsgraph.tool.k8s_scale"]  # the dry run under policy
    assert preview.parent is not None and preview.parent.span_id == first["opsgraph.node.policy"].context.span_id
    assert preview.attributes and preview.attributes["opsgraph.dry_run"] is True

    spans.clear()
    agent.decide(asked.approvals[0].id, approve=True, by="alice")
    second = {s.name: s for s in spans.get_finished_spans()}
    decide = second["opsgraph.decide"]
    assert decide.attributes and decide.attributes["opsgraph.outcome"] == "done"
    tool = second["opsgraph.tool.k8s_scale"]
    assert tool.parent is not None and tool.parent.span_id == second["opsgraph.node.execute"].context.span_id
    assert (
        attrs(tool).items()
        >= {"opsgraph.tool": "k8s_scale", "opsgraph.status": "ok", "opsgraph.dry_run": False}.items()
    )
    assert len({s.context.trace_id for s in second.values()}) == 1  # one trace per run


def test_a_tool_that_crashes_marks_its_span_as_an_error(spans: InMemorySpanExporter, cluster_settings: Any) -> None:
    from pydantic import BaseModel

    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.registry import Registry, Tool
    from opsgraph.tools.results import ToolResult

    class NoArgs(BaseModel):
        pass

    def explode(args: NoArgs, ctx: ToolContext) -> ToolResult:
        raise RuntimeError("boom")

    registry = Registry()
    registry.register(Tool("boom_tool", "explodes", NoArgs, "read", explode))
    with pytest.raises(RuntimeError):
        registry.call("boom_tool", {}, ToolContext(cluster_settings, actor="t"))
    (span,) = spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR and "boom" in (span.status.description or "")
    assert span.attributes and span.attributes["opsgraph.status"] == "crashed"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, []),
        ({"OTEL_TRACES_EXPORTER": "none"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, []),
    ],
)
def test_the_standard_environment_decides_the_exporters(env: dict[str, str], expected: list[str]) -> None:
    assert tracing.exporters(env) == expected


def test_an_unknown_exporter_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="otlp, console or none"):
        tracing.build_provider({"OTEL_TRACES_EXPORTER": "jaeger"})


def test_without_an_exporter_opentelemetry_is_not_even_imported(tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from opsgraph.core.telemetry import tracing\n"
        "with tracing.span('x', {'a': 1}) as s:\n"
        "    s.set_attribute('b', 2)\n"
        "print(any(m.startswith('opentelemetry') for m in sys.modules))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == "False"
