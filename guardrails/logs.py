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


def setup_logging(level: int = logging.WARNING) -> None:
    """Root logging for a channel process, with every handler redacting secrets."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
