"""Small helpers every command shares: JSON on stdout, errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

EXIT_USAGE = 2


def print_json(document: Any) -> None:
    """One JSON document on stdout (the `--json` contract)."""
    sys.stdout.write(json.dumps(document, default=_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def die(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """A clear one-line error for the user, never a traceback."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
