"""Log lines pass the redactor too: a filter on the handlers every channel installs."""

from __future__ import annotations

import logging


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from opsgraph.guardrails.redaction import redact

        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup_logging(default_format: str = "text", default_level: int = logging.WARNING) -> None:
    """Root logging for a channel process: one handler on stderr, JSON or text lines that name the
    request (core.telemetry.logs), every secret redacted. `OPSGRAPH_LOG_FORMAT` / `OPSGRAPH_LOG_LEVEL`
    override the command's defaults (json and INFO under `opsgraph serve`). Calling it again
    reconfigures the same handler."""
    import os

    from opsgraph.core.telemetry.logs import RequestIdFilter, formatter

    chosen_format, chosen_level = None, None
    if os.environ.get("OPSGRAPH_LOG_FORMAT") or os.environ.get("OPSGRAPH_LOG_LEVEL"):  # else skip pydantic-settings
        from opsgraph.core.telemetry.log_settings import LogSettings

        chosen = LogSettings()
        chosen_format, chosen_level = chosen.format, chosen.level
    fmt = chosen_format or ("json" if default_format == "json" else "text")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_opsgraph", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._opsgraph = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if fmt == "json":
        from opsgraph.guardrails.redaction import redact_data

        handler.setFormatter(formatter(fmt, redact_data))
    else:
        handler.setFormatter(formatter(fmt))
    root.setLevel(logging.getLevelName(chosen_level) if chosen_level else default_level)
    for h in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in h.filters):
            h.addFilter(RedactingFilter())
        if not any(isinstance(f, RequestIdFilter) for f in h.filters):
            h.addFilter(RequestIdFilter())
