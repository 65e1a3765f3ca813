"""OpenTelemetry traces of a turn, only when an exporter is configured.

The standard environment decides (read once, on the first span):
- `OTEL_TRACES_EXPORTER`: `otlp`, `console`, or `none` (comma-separated for several);
- `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: setting one alone means
  `otlp`; `OTEL_EXPORTER_OTLP_PROTOCOL` `grpc` (default) or `http/protobuf` (needs
  opentelemetry-exporter-otlp-proto-http installed);
- `OTEL_SERVICE_NAME` (default `opsgraph`); `OTEL_SDK_DISABLED=true` turns it all off.

With none of them set, `span()` is a `nullcontext`: OpenTelemetry is not even imported and
nothing is sent anywhere. Spans go to opsgraph's own tracer provider, never the global one, so
libraries that bring their own OpenTelemetry setup (mlflow, chromadb) are not affected.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_configured = False
_tracer: Any = None
_provider: Any = None


class _NoSpan:
    def set_attribute(self, key: str, value: Any) -> None:
        pass

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        pass


NO_SPAN = _NoSpan()


def exporters(env: Mapping[str, str]) -> list[str]:
    """The exporters the environment asks for ([] = tracing off)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = [e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "").split(",") if e.strip()]
    if named:
        return [e for e in named if e != "none"]
    if env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return ["otlp"]
    return []


def build_provider(env: Mapping[str, str]) -> Any:
    """A TracerProvider exporting as the environment says, or None when tracing is off. An
    exporter that cannot be built (unknown name, package missing) raises ValueError."""
    names = exporters(env)
    if not names:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or "opsgraph"}))
    for name in names:
        if name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        elif name == "otlp":
            provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(env)))
        else:
            raise ValueError(f"OTEL_TRACES_EXPORTER={name!r} is not supported here; use otlp, console or none")
    return provider


def _otlp_exporter(env: Mapping[str, str]) -> Any:
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    if protocol.strip() == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # reads the endpoint, headers and timeout from the environment
    if protocol.strip() == "http/protobuf":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HTTPExporter
        except ImportError:
            raise ValueError(
                "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf needs opentelemetry-exporter-otlp-proto-http; "
                "install it or use grpc"
            ) from None
        return HTTPExporter()
    raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported; use grpc or http/protobuf")


def use_provider(provider: Any) -> None:
    """Trace into `provider` from now on (None: off). Tests pass one with an in-memory exporter."""
    global _configured, _tracer, _provider
    with _lock:
        _provider = provider
        _tracer = provider.get_tracer("opsgraph") if provider is not None else None
        _configured = True


def _ensure() -> Any:
    global _configured
    if _configured:
        return _tracer
    with _lock:
        if _configured:
            return _tracer
        try:
            provider = build_provider(os.environ)
        except Exception as exc:  # a bad exporter setting must not stop the agent: say it once
            log.warning("tracing is off: %s", exc)
            provider = None
        _configured = True
    if provider is not None:
        use_provider(provider)
    return _tracer


def enabled() -> bool:
    return _ensure() is not None


@contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A span named `name` under the current one; an exception is recorded on it and re-raised,
    except the ones in `control_flow` (a graph pausing for approval is not an error)."""
    tracer = _ensure()
    if tracer is None:
        yield NO_SPAN
        return
    from opentelemetry.trace import Status, StatusCode

    with tracer.start_as_current_span(
        name, attributes=_clean(attributes or {}), record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except BaseException as exc:
            if type(exc).__name__ in CONTROL_FLOW:
                current.set_attribute("opsgraph.paused", True)
            else:
                current.record_exception(exc)
                current.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"[:200]))
            raise


# LangGraph's interrupt (a turn waiting for approval) travels as an exception through the node.
CONTROL_FLOW = frozenset({"GraphInterrupt", "GraphBubbleUp", "ParentCommand"})


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """OpenTelemetry takes str, bool, int, float (and lists of them); None is dropped."""
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if value is None:
            continue
        out[key] = value if isinstance(value, str | bool | int | float) else str(value)
    return out
