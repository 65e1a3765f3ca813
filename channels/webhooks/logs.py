"""uvicorn's access log, redacted: a token in a query string (`?token=...`) never reaches a log."""

from __future__ import annotations

import copy
import logging
from typing import Any


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from opsgraph.guardrails.redaction import redact

        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging config with the redacting filter on its access and error handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": f"{__name__}.RedactFilter"}
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("redact")
    return config
