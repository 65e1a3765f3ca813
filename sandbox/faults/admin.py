"""The sandbox's admin endpoint for faults (not a Kubernetes path; kubectl never sees it):

    GET    /sandbox/faults                           -> {"faults": [...]}
    POST   /sandbox/faults[?wait=SECONDS]  {kind, target, params}
                                                     -> 201 {"fault": {...}, "manifested": bool}
    DELETE /sandbox/faults[?kind=K][&target=T]      -> {"cleared": [...]}

Errors are `{"error": "one line"}` with 400 (bad request), 404 (unknown path) or 405.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .spec import Fault, FaultError, parse

if TYPE_CHECKING:
    from ..cluster import Cluster

PATH = "/sandbox/faults"
MAX_WAIT = 120.0


def handle(cluster: Cluster, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    if path.rstrip("/") != PATH:
        return 404, {"error": f"no such sandbox endpoint: {path}"}
    try:
        if method == "GET":
            return 200, {"faults": cluster.faults()}
        if method == "POST":
            fault = _fault(body)
            wait = _seconds(query.get("wait"))
            record = cluster.inject(fault)
            manifested = cluster.wait_manifested(wait) if wait else False
            return 201, {"fault": record, "manifested": manifested}
        if method == "DELETE":
            return 200, {"cleared": cluster.clear(query.get("kind") or None, query.get("target") or None)}
    except FaultError as exc:
        return 400, {"error": str(exc)}
    return 405, {"error": f"{method} is not allowed on {PATH}"}


def _fault(body: bytes) -> Fault:
    try:
        document = json.loads(body or b"{}")
    except ValueError as exc:
        raise FaultError(f"the body is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("params", {}), dict):
        raise FaultError('the body is {"kind": ..., "target": ..., "params": {...}}')
    return parse(str(document.get("kind", "")), str(document.get("target", "")), document.get("params") or {})


def _seconds(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return min(max(float(value), 0.0), MAX_WAIT)
    except ValueError as exc:
        raise FaultError(f"wait is a number of seconds, not {value!r}") from exc
