"""Logs that name the request: one JSON object per line (the default under `opsgraph serve`) or
the usual text line (the REPL and one-shot commands), both with the request id.

`OPSGRAPH_LOG_FORMAT=json|text` and `OPSGRAPH_LOG_LEVEL=DEBUG|INFO|WARNING|...` override the
command's default. Secrets are redacted by the guardrails' filter on the same handlers (installed
by `opsgraph.guardrails.logs.setup_logging`); structured fields pass the redactor given here.

A JSON line: `{"ts", "level", "logger", "msg", "request_id", ...fields given with extra=, "exc"}`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from opsgraph.core.telemetry.requests import current

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "request_tag"}
_SKIPPED = frozenset({"color_message"})  # uvicorn's coloured copy of the message


class RequestIdFilter(logging.Filter):
    """Stamps every record with the request in progress (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = getattr(record, "request_id", None) or current()
        record.request_id = rid
        record.request_tag = f" [{rid}]" if rid else ""
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: Callable[[Any], Any] | None = None, **_: Any) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or current()
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": rid,
        }
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in _SKIPPED}
        if fields:
            safe = {k: _jsonable(v) for k, v in fields.items()}
            doc |= self._redact(safe) if self._redact is not None else safe
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exc"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str | None = None, **_: Any) -> None:
        super().__init__(fmt or TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_tag"):
            rid = current()
            record.request_tag = f" [{rid}]" if rid else ""
        return super().format(record)


def formatter(fmt: LogFormat, redactor: Callable[[Any], Any] | None = None) -> logging.Formatter:
    return JsonFormatter(redactor) if fmt == "json" else TextFormatter()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def with_format(config: dict[str, Any], fmt: LogFormat, redactor: str | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict (uvicorn's) whose formatters all write `fmt` and whose
    handlers stamp the request id. `redactor` is an `ext://module.function` for JSON fields."""
    out = dict(config)
    factory = f"{__name__}.JsonFormatter" if fmt == "json" else f"{__name__}.TextFormatter"
    formatters: dict[str, Any] = {}
    for name in config.get("formatters", {}):
        formatters[name] = {"()": factory} | ({"redactor": redactor} if fmt == "json" and redactor else {})
    out["formatters"] = formatters
    out["filters"] = dict(config.get("filters", {})) | {"request_id": {"()": f"{__name__}.RequestIdFilter"}}
    handlers = {}
    for name, handler in config.get("handlers", {}).items():
        handlers[name] = dict(handler) | {"filters": [*handler.get("filters", []), "request_id"]}
    out["handlers"] = handlers
    return out
