"""Records which (API group, resource, RBAC verb) a running sandbox is asked for, the way an API
server's audit log would: every request that reaches the sandbox's API, whatever its answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

Triple = tuple[str, str, str]
TRUE = {"1", "t", "true", "True", "TRUE"}


def rbac_triple(method: str, path: str, query: dict[str, str]) -> Triple | None:
    """What RBAC checks for one request (None for discovery and health paths, which every
    authenticated user may read)."""
    parts = [p for p in unquote(path).split("/") if p]
    if not parts or parts[0] not in ("api", "apis"):
        return None
    if parts[0] == "api":
        group, rest = "", parts[2:]
    else:
        if len(parts) < 3:
            return None
        group, rest = parts[1], parts[3:]
    if not rest:
        return None
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    # /namespaces/{ns}/{resource}/... addresses a namespaced resource; /namespaces/{name} the namespace.
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None:
        resource = f"{resource}/{sub}"
    if method == "GET":
        listing = "watch" if watch or query.get("watch") in TRUE else "list"
        verb = "get" if name and not watch else listing
    elif method == "POST":
        verb = "create"
    elif method == "PUT":
        verb = "update"
    elif method == "PATCH":
        verb = "patch"
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        return None
    return group, resource, verb


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[Triple] = set()

    def add(self, triple: Triple) -> None:
        with self._lock:
            self._seen.add(triple)

    def take(self) -> set[Triple]:
        with self._lock:
            seen, self._seen = self._seen, set()
        return seen


@contextmanager
def recording(server: Any) -> Iterator[Recorder]:
    """Wrap a started `SandboxServer`'s API so every request is recorded before it is answered."""
    api = server._http.api
    original = api.handle
    recorder = Recorder()

    def handle(req: Any) -> Any:
        triple = rbac_triple(req.method, req.path, req.query)
        if triple is not None:
            recorder.add(triple)
        return original(req)

    api.handle = handle
    try:
        yield recorder
    finally:
        api.handle = original
