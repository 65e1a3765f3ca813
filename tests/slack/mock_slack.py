"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1 that answers the methods
opsgraph calls, records every call, and fails on demand (429 with Retry-After, 5xx, ok=false).
Slack itself cannot be reached from tests; this is the only part that is not real."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    status: int
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int
    times: int
    headers: dict[str, str]
    error: str = ""


class SlackAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, Failure] = {}
        self.usergroups: list[dict[str, Any]] = []
        self.conversations: list[dict[str, Any]] = []  # {"id", "name"}; conversations.list pages of `page_size`
        self.page_size = 2
        self.socket_url: str | None = None
        self._ts = itertools.count(1)
        self._after: list[tuple[str, Callable[[dict[str, Any]], bool], Callable[[], None]]] = []
        self._lock = threading.Lock()
        self.url = ""

    # -- what tests use ------------------------------------------------------------------------
    def fail(self, method: str, status: int = 429, times: int = 1, error: str = "", **headers: str) -> None:
        self.failures[method] = Failure(status, times, {k.replace("_", "-"): v for k, v in headers.items()}, error)

    def after_accepting(
        self, method: str, matches: Callable[[dict[str, Any]], bool], action: Callable[[], None]
    ) -> None:
        """Once, when a `method` call whose body `matches` has been accepted (recorded, so Slack
        holds it) and before its answer is sent: run `action` (kill the caller, say)."""
        with self._lock:
            self._after.append((method, matches, action))

    def ok_calls(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.body for c in self.calls if c.method == method and c.status == 200]

    def all_calls(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Any, timeout: float = 30, what: str = "a Slack call") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls]}")

    # -- the server side -----------------------------------------------------------------------
    def answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            failure = self.failures.get(method)
            if failure is not None and failure.times > 0:
                failure.times -= 1
                status = failure.status
                payload = {"ok": False, "error": failure.error or ("ratelimited" if status == 429 else "fatal_error")}
                self.calls.append(Call(method, body, status if not failure.error else 299))
                return status, failure.headers, payload
            ts = f"{time.time():.0f}.{next(self._ts):06d}"
            response = self._response(method, body, ts)
            self.calls.append(Call(method, body, 200, response))
            hooks = [h for h in self._after if h[0] == method and h[1](body)]
            for hook in hooks:
                self._after.remove(hook)
        for _, _, action in hooks:
            action()
        return 200, {}, response

    def _response(self, method: str, body: dict[str, Any], ts: str) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "opsgraph"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": self.usergroups}
        if method == "conversations.list":
            start = int(body.get("cursor") or 0)
            page = self.conversations[start : start + self.page_size]
            more = start + self.page_size < len(self.conversations)
            return {"ok": True, "channels": page,
                    "response_metadata": {"next_cursor": str(start + self.page_size) if more else ""}}  # fmt: skip
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, body)
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}

    def _history(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest`, `limit` a page (cursor: an offset); `metadata` only with
        include_all_metadata, as Slack does. Replies: the thread's parent and its replies."""
        shown = self._shown(self.calls, body.get("channel"))
        if method == "conversations.replies":
            shown = [m for m in shown if body.get("ts") in (m["ts"], m.get("thread_ts"))]
        else:
            shown = [m for m in shown if not m.get("thread_ts")]
        shown = [m for m in shown if float(m["ts"]) >= float(body.get("oldest") or 0)]
        shown.sort(key=lambda m: float(m["ts"]), reverse=True)
        start, limit = int(body.get("cursor") or 0), int(body.get("limit") or 100)
        with_meta = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        page = [{k: v for k, v in m.items() if k != "metadata" or with_meta} for m in shown[start : start + limit]]
        more = start + limit < len(shown)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}  # fmt: skip

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Every posted message as it looks now (later chat.update edits applied), with its ts."""
        with self._lock:
            calls = list(self.calls)
        return self._shown(calls, channel)

    @staticmethod
    def _shown(calls: list[Call], channel: str | None) -> list[dict[str, Any]]:
        calls = [c for c in calls if c.status == 200]
        shown: dict[str, dict[str, Any]] = {}
        for c in calls:
            if c.method == "chat.postMessage":
                shown[c.response["ts"]] = {**c.body, "ts": c.response["ts"], "edits": 0}
            elif c.method == "chat.update" and c.body.get("ts") in shown:
                message = shown[c.body["ts"]]
                message.update({k: v for k, v in c.body.items() if k != "ts"})
                message["edits"] += 1
        return [m for m in shown.values() if channel is None or m.get("channel") == channel]

    def thread(self, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.messages() if m.get("thread_ts") == thread_ts]


def _handler(api: SlackAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # read methods take query parameters
            path, _, query = self.path.partition("?")
            body = {k: v[0] for k, v in parse_qs(query).items()}
            self._reply(*api.answer(path.rsplit("/", 1)[-1], body))

        def _reply(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the caller is gone (a test killed it after its call was accepted)

        def do_POST(self) -> None:
            method = self.path.split("?")[0].rsplit("/", 1)[-1]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks",):
                if isinstance(body.get(key), str):
                    body[key] = json.loads(body[key])
            self._reply(*api.answer(method, body))

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def slack_api() -> Iterator[SlackAPI]:
    api = SlackAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def block_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in a Block Kit message, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)
