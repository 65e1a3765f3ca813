"""Arguments for anomaly_scan: which workload or metric, which signal, how far back."""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.names import check_namespaces
from opsgraph.core.planning import Ask, Entities, PlannedCall

Built = tuple[list[PlannedCall], str]

SIGNAL_WORDS = {
    "cpu": "cpu", "processor": "cpu", "load": "cpu",
    "memory": "memory", "mem": "memory", "ram": "memory", "oom": "memory",
    "restart": "restarts", "restarts": "restarts", "crash": "restarts", "crashes": "restarts",
    "error": "errors", "errors": "errors", "5xx": "errors", "failures": "errors",
}  # fmt: skip
_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$")
_EXPRESSION_START = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\s*[({\[]")
_CLOSERS = {"(": ")", "{": "}", "[": "]"}
_GROUPING = re.compile(r"\s*(by|without)\s*\(")


def promql_expression(text: str) -> str | None:
    """The PromQL expression in a chat message, exactly as typed: "any anomalies in
    rate(x[10s]) over the last 5m?" -> "rate(x[10s])". None when there is no bracketed expression."""
    match = _EXPRESSION_START.search(text)
    if match is None:
        return None
    end = _balanced_end(text, match.end() - 1)
    if end is None:
        return None
    while True:  # a range or selector right after, or a grouping clause: part of the expression
        rest = text[end:]
        grouping = _GROUPING.match(rest)
        if rest[:1] in ("[", "{", "("):
            nxt = _balanced_end(text, end)
        elif grouping:
            nxt = _balanced_end(text, end + grouping.end() - 1)
        else:
            break
        if nxt is None:
            break
        end = nxt
    return text[match.start() : end]


def _balanced_end(text: str, start: int) -> int | None:
    """Index just past the bracket that closes the one at `start` (None if it never closes)."""
    stack: list[str] = []
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in _CLOSERS:
            stack.append(_CLOSERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
    return None


def build_anomaly_scan(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    check_namespaces(ents, inv)
    args: dict[str, Any] = {}
    signal = next((SIGNAL_WORDS[w] for w in ents.words if w in SIGNAL_WORDS), None)
    metric = promql_expression(ents.text) or next((w for w in ents.words if "_" in w and _METRIC.match(w)), None)
    if ents.window:
        args["window"] = ents.window
    if metric:
        args["query"] = metric
        what = metric
    else:
        name = ents.workloads[0] if ents.workloads else carried.get("name")
        if not name:
            raise Ask("Which workload or metric should I scan for anomalies?", "name", dict(args), tuple(inv.names))
        namespace = ents.namespaces[0] if ents.namespaces else carried.get("namespace")
        homes = inv.namespaces_of(name)
        if not namespace:
            if len(homes) != 1:
                raise Ask(f"Which namespace is {name} in: {' or '.join(homes)}?", "namespace",
                          {**args, "name": name}, tuple(homes))  # fmt: skip
            namespace = homes[0]
        args |= {"name": name, "namespace": namespace, "signal": signal or "cpu"}
        what = f"{namespace}/{name} {args['signal']}"
    return [PlannedCall("anomaly_scan", args)], f"Scan {what} for anomalies over the last {args.get('window', '6h')}."


BUILDERS = {"anomaly_scan": build_anomaly_scan}
