"""HTTP/1.1 front end (stdlib ThreadingHTTPServer): keep-alive, one write per response, chunked
watch streams of newline-delimited {"type", "object"} events."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import errors
from .api import Api, Request, Response, WatchPlan, dumps, error_response
from .meta import Obj
from .store import Change
from .tables import table

log = logging.getLogger(__name__)

_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api_factory: Any) -> None:
        super().__init__(address, Handler)
        self.api: Api = api_factory(self)
        self.durations: deque[float] = deque(maxlen=100_000)
        self.stopping = False
        self.connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self.connections.add(conn)
            else:
                self.connections.discard(conn)

    def close_connections(self) -> None:
        """End keep-alive connections too, so no client keeps talking to a stopped cluster."""
        with self._connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self.connections.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    _started: float = 0.0

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def parse_request(self) -> bool:
        self._started = time.perf_counter()  # server-side latency starts with header parsing
        return super().parse_request()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        started = self._started or time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        request = Request(
            method,
            url.path,
            query,
            self.headers.get("Content-Type") or "",
            body,
            self.headers.get("Accept") or "",
        )
        try:
            result = self.server.api.handle(request)
        except Exception as exc:  # a bug must not kill the connection silently: answer 500 like an apiserver
            log.exception("sandbox request failed: %s %s", method, self.path)
            result = error_response(errors.ApiError(500, "InternalError", f"Internal error occurred: {exc}"))
        if isinstance(result, WatchPlan):
            self._watch(result)
            return
        self._send(result)
        self.server.durations.append(time.perf_counter() - started)

    def _send(self, response: Response) -> None:
        head = (
            f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'OK')}\r\n"
            f"Content-Type: {response.content_type}\r\n"
            f"Content-Length: {len(response.body)}\r\n"
            "Cache-Control: no-cache, private\r\n"
            f"Audit-Id: {id(response):x}\r\n"
            "\r\n"
        ).encode("latin-1")
        self.wfile.write(head + response.body)

    # -- watch ---------------------------------------------------------------------------------
    def _watch(self, plan: WatchPlan) -> None:
        store = self.server.api.store
        route = plan.route
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Cache-Control: no-cache, private\r\n\r\n"
        ).encode("latin-1")
        deadline = time.monotonic() + plan.timeout
        with store.lock:
            cursor = store.resource_version
            initial: list[bytes] = []
            if plan.resource_version in (None, "0"):
                for obj in store.sorted_items(route.rtype.plural, route.namespace):
                    if self._matches(plan, obj):
                        initial.append(_event("ADDED", obj, plan))
            else:
                try:
                    requested = int(plan.resource_version)
                except ValueError:
                    self._send(
                        error_response(errors.bad_request(f'invalid resource version "{plan.resource_version}"'))
                    )
                    return
                changes = store.changes_since(requested)
                if changes is None:
                    gone = errors.gone(requested, store.oldest_rv())
                    initial.append(dumps({"type": "ERROR", "object": gone.status()}) + b"\n")
                    deadline = 0.0
                else:
                    initial.extend(self._translate(plan, changes))
                    cursor = max(cursor, requested)
        try:
            self.wfile.write(head)
            self._chunk(b"".join(initial))
            while not self.server.stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                with store.lock:
                    store.wait(cursor, min(remaining, 1.0))
                    if store.closed:
                        break
                    changes = store.changes_since(cursor)
                    if changes is None:  # this watcher fell behind the change log
                        gone = errors.gone(cursor, store.oldest_rv())
                        self._chunk(dumps({"type": "ERROR", "object": gone.status()}) + b"\n")
                        break
                    cursor = store.resource_version
                self._chunk(b"".join(self._translate(plan, changes)))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _matches(self, plan: WatchPlan, obj: Obj) -> bool:
        namespace = plan.route.namespace
        if namespace is not None and obj["metadata"].get("namespace") != namespace:
            return False
        return plan.labels.matches(obj["metadata"].get("labels") or {}) and plan.fields.matches(obj)

    def _translate(self, plan: WatchPlan, changes: list[Change]) -> list[bytes]:
        out = []
        plural = plan.route.rtype.plural
        for change in changes:
            if change.resource != plural:
                continue
            now_matches = change.type != "DELETED" and self._matches(plan, change.obj)
            was_matching = change.prev is not None and self._matches(plan, change.prev)
            if change.type == "DELETED":
                kind = "DELETED" if was_matching else None
            elif now_matches:
                kind = "MODIFIED" if was_matching else "ADDED"
            else:
                kind = "DELETED" if was_matching else None
            if kind is not None:
                out.append(_event(kind, change.obj, plan))
        return out


def _event(kind: str, obj: Obj, plan: WatchPlan) -> bytes:
    if plan.as_table:  # `kubectl get -w`: each event carries a one-row Table
        obj = table(plan.route.rtype, [obj], obj["metadata"].get("resourceVersion", ""))
    document = {"type": kind, "object": obj}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
