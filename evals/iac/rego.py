"""A task's Rego intent evaluated against `terraform show -json` of a plan, with regopy (rego-cpp).

The verdict follows IaC-Eval's own harness: query `data`, walk every leaf of the result, and the
intent holds when no leaf is `false`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    holds: bool
    error: str | None = None


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def evaluate(intent: str, plan: dict[str, Any]) -> Verdict:
    from regopy import Interpreter

    with _captured_output() as sink:
        try:
            rego = Interpreter()
            rego.add_module("intent", intent)
            rego.set_input(plan)
            output = str(rego.query("data"))
        except Exception as exc:  # regopy raises RegoError, and others on malformed input
            return Verdict(False, f"{type(exc).__name__}: {str(exc)[:200]}")
    try:
        document = json.loads(output)
    except ValueError:
        return Verdict(False, f"rego error: {_first_error(sink.text)}")
    if not isinstance(document, dict) or "expressions" not in document:
        return Verdict(False, f"rego error: {_first_error(sink.text)}")
    value = document["expressions"][0] if document["expressions"] else {}
    return Verdict(all(leaf is not False for leaf in leaves(value)))


class _Sink:
    text = ""


@contextlib.contextmanager
def _captured_output() -> Iterator[_Sink]:
    """rego-cpp prints its errors straight to file descriptors 1 and 2 (past Python's sys.stdout),
    which would corrupt `--json` output: catch them for the verdict instead."""
    sink = _Sink()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 1)
        os.dup2(capture.fileno(), 2)
        try:
            yield sink
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            capture.seek(0)
            sink.text = capture.read().decode(errors="replace")


def _first_error(text: str) -> str:
    """The error's name only ("Invalid bracket argument"), not the policy lines it quotes."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "Errors:" in lines and lines.index("Errors:") + 1 < len(lines):
        return lines[lines.index("Errors:") + 1][:120]
    return (lines[0] if lines else "no result")[:120]
