"""Reading a webhook body defensively: the size limit enforced while reading, then UTF-8, JSON,
nesting depth and lone surrogates checked, each a 4xx with the reason (a 5xx makes Alertmanager
retry the same bad body forever)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

MAX_DEPTH = 32  # an Alertmanager payload is 4 levels deep; labels are flat
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_limited(declared_length: str | None, chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The body, or BodyError(413) as soon as it is known to exceed `limit`: from Content-Length
    before reading anything, else while the chunks arrive (never more than `limit` held)."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise BodyError(413, f"payload is {int(declared_length)} bytes; the limit is {limit}")
    received, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyError(413, f"payload is over {limit} bytes (the limit); stopped reading")
        received.append(chunk)
    return b"".join(received)


def decode_json(body: bytes) -> tuple[Any, str]:
    """(document, text) or BodyError(400) naming what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, f"body is not valid JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyError(400, f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BodyError(400, f"body is nested too deeply (more than {MAX_DEPTH} levels)") from None
    _check_shape(document, surrogates=bool(_SURROGATE_ESCAPE.search(text)))
    return document, text


def _check_shape(document: Any, *, surrogates: bool) -> None:
    """Depth at most MAX_DEPTH and, when the text escapes surrogates, no lone one (iterative)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise BodyError(400, f"body is nested too deeply (more than {MAX_DEPTH} levels)")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if surrogates and isinstance(key, str):
                    _text(key)
                stack.append((item, depth + 1))
        elif surrogates and isinstance(value, str):
            _text(value)


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        raise BodyError(
            400, f"body is not valid text: a lone UTF-16 surrogate (\\u{ord(bad):04x}) in {value[:40]!r}"
        ) from None
