"""A task's Rego intent evaluated against `terraform show -json` of a plan, with regopy (rego-cpp).

The verdict follows IaC-Eval's own harness: query `data`, walk every leaf of the result, and the
intent holds when no leaf is `false`.
"""

from __future__ import annotations

import json
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

    try:
        rego = Interpreter()
        rego.add_module("intent", intent)
        rego.set_input(plan)
        output = rego.query("data")
    except Exception as exc:  # regopy raises RegoError, and others on malformed input
        return Verdict(False, f"{type(exc).__name__}: {str(exc)[:200]}")
    try:
        document = json.loads(str(output))
    except ValueError:
        return Verdict(False, f"unreadable result: {str(output)[:200]}")
    if "expressions" not in document:
        return Verdict(False, f"rego error: {str(document)[:200]}")
    value = document["expressions"][0] if document["expressions"] else {}
    return Verdict(all(leaf is not False for leaf in leaves(value)))
