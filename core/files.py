"""Reading files people hand the CLI: UTF-8 text, JSON and YAML, with one-line errors.

Fuzzed inputs ended in tracebacks: non-UTF-8 bytes, JSON or YAML nested thousands deep (Python's
parsers recurse), YAML control characters. These helpers turn each into `InputFileError` naming
the file and what to fix; callers wrap it in their own error type. OSError is left to callers
(they already say "cannot read").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_DEPTH = 100  # no input opsgraph reads is nested anywhere near this


class InputFileError(ValueError):
    """A file that cannot be used as given; the message is one line for a person."""


def read_text(path: Path, *, encoding: str = "utf-8") -> str:
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(not_utf8(path, exc)) from None


def not_utf8(path: Path | str, exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return f"{path}: not UTF-8 text (byte 0x{byte} at offset {exc.start}); save it as UTF-8"


def loads_json(text: str, where: Path | str) -> Any:
    """json.loads, with nesting deeper than MAX_DEPTH an InputFileError (JSONDecodeError passes)."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise InputFileError(too_deep(where)) from None
    check_depth(document, where)
    return document


def loads_yaml(text: str, where: Path | str) -> Any:
    """yaml.safe_load, with control characters and deep nesting InputFileErrors; other YAML errors pass."""
    import yaml

    try:
        document = yaml.safe_load(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise InputFileError(
            f"{where}:{line}: character #x{exc.character if isinstance(exc.character, int) else 0:02x} is not "
            "allowed in YAML (a control character); remove it"
        ) from None
    except RecursionError:
        raise InputFileError(too_deep(where)) from None
    check_depth(document, where)
    return document


def too_deep(where: Path | str) -> str:
    return f"{where}: nested too deeply (more than {MAX_DEPTH} levels); this is not a file opsgraph reads"


def check_depth(document: Any, where: Path | str, limit: int = MAX_DEPTH) -> None:
    """Iteratively: code that walks the document recursively must never meet a deeper one."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise InputFileError(too_deep(where))
        stack.extend((child, depth + 1) for child in children)
