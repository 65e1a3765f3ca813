"""A local OpenAI-compatible server that answers the way vLLM's does, replaying scripted turns.

This stands in for a model we cannot run here (no GPU, no weights). The reply shapes follow
vLLM's `/v1/chat/completions` (ids `chatcmpl-...`, tool call ids `chatcmpl-tool-...`, arguments as
a JSON string, `finish_reason: tool_calls`, usage counts) and its error object for bad requests.
With `"stream": true` it answers with server-sent `chat.completion.chunk` events as vLLM does: a
role delta, content pieces or a tool call whose name comes first and arguments in pieces, a
finish chunk, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`.
`GET /health` answers 200 with an empty body, like vLLM.

Turns are scripted per test: `tool_call`, `say`, `fail(status)`, `slow(seconds, turn)`,
`hang_up()`. With `default=` a turn answers every request once the script is used up.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = Callable[[dict[str, Any]], dict[str, Any]]


def tool_call(name: str, arguments: dict[str, Any] | str) -> Turn:
    """A scripted turn in which the model calls one tool."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)

    def reply(_: dict[str, Any]) -> dict[str, Any]:
        return {
            "content": None,
            "tool_calls": [
                {
                    "id": f"chatcmpl-tool-{secrets.token_hex(8)}",
                    "type": "function",
                    "function": {"name": name, "arguments": text},
                }
            ],
        }

    return reply


def say(text: str) -> Turn:
    return lambda _: {"content": text, "tool_calls": []}


def fail(status: int = 500, message: str = "Internal Server Error") -> Turn:
    """The server answers with an error object and this status."""
    return lambda _: {"_status": status, "_message": message}


def slow(seconds: float, turn: Turn) -> Turn:
    """The turn, after `seconds` (a client with a shorter timeout gives up first)."""

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(seconds)
        return turn(body)

    return reply


def hang_up() -> Turn:
    """The connection is closed without an answer (a crashed worker)."""
    return lambda _: {"_hang_up": True}


class FakeVLLM:
    def __init__(
        self,
        turns: list[Turn],
        model: str = "Qwen/Qwen2.5-7B-Instruct-AWQ",
        *,
        default: Turn | None = None,
        token_delay_s: float = 0.0,
        port: int = 0,
    ) -> None:
        self.turns = list(turns)
        self.model = model
        self.default = default
        self.token_delay_s = token_delay_s  # per streamed piece, and per completion token when not streaming
        self.requests: list[dict[str, Any]] = []
        self.abandoned = 0  # answers the client hung up on before they were written
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeVLLM:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_turn(self) -> Turn | None:
        with self._lock:
            if self.turns:
                return self.turns.pop(0)
            return self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return None

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
                elif self.path == "/health":
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._error(404, "Not Found", "NotFoundError")

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/chat/completions" or body.get("model") != fake.model:
                    self._error(400, f"The model `{body.get('model')}` does not exist.", "NotFoundError", 404)
                    return
                with fake._lock:
                    fake.requests.append(body)
                turn = fake._next_turn()
                if turn is None:
                    self._error(500, "script exhausted", "InternalError")
                    return
                message = turn(body)
                if message.get("_hang_up"):
                    self.close_connection = True
                    self.connection.close()
                    return
                if "_status" in message:
                    self._error(int(message["_status"]), str(message.get("_message")), "InternalServerError")
                    return
                calls = message.get("tool_calls") or []
                pieces = _pieces(message)
                usage = {
                    "prompt_tokens": sum(len(str(m.get("content") or "")) // 4 for m in body["messages"]),
                    "completion_tokens": max(1, len(pieces)),
                }
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                finish = "tool_calls" if calls else "stop"
                if body.get("stream"):
                    self._stream(body, message, finish, usage)
                    return
                if fake.token_delay_s:
                    time.sleep(fake.token_delay_s * usage["completion_tokens"])
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{secrets.token_hex(16)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": fake.model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {
                                    "role": "assistant",
                                    "reasoning_content": None,
                                    "content": message.get("content"),
                                    "tool_calls": calls,
                                },
                                "logprobs": None,
                                "finish_reason": finish,
                                "stop_reason": None,
                            }
                        ],
                        "usage": {**usage, "prompt_tokens_details": None},
                        "prompt_logprobs": None,
                    },
                )

            def _stream(
                self, body: dict[str, Any], message: dict[str, Any], finish: str, usage: dict[str, Any]
            ) -> None:
                ident, created = f"chatcmpl-{secrets.token_hex(16)}", int(time.time())

                def chunk(delta: dict[str, Any] | None, finish_reason: str | None = None) -> dict[str, Any]:
                    choices = [] if delta is None else [
                        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                    ]  # fmt: skip
                    return {
                        "id": ident,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": fake.model,
                        "choices": choices,
                    }

                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._event(chunk({"role": "assistant", "content": ""}))
                for piece in _stream_deltas(message):
                    if fake.token_delay_s:
                        time.sleep(fake.token_delay_s)
                    self._event(chunk(piece))
                self._event(chunk({}, finish))
                if (body.get("stream_options") or {}).get("include_usage"):
                    last = chunk(None)
                    last["usage"] = usage
                    self._event(last)
                self._write_chunk(b"data: [DONE]\n\n")
                self._write_chunk(b"")

            def _event(self, payload: dict[str, Any]) -> None:
                self._write_chunk(f"data: {json.dumps(payload)}\n\n".encode())

            def _write_chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _error(self, status: int, message: str, kind: str, code: int | None = None) -> None:
                self._send(
                    status,
                    {"object": "error", "message": message, "type": kind, "param": None, "code": code or status},
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    with fake._lock:
                        fake.abandoned += 1  # the client went away first, as vLLM sees an abort

        return Handler


def _pieces(message: dict[str, Any]) -> list[str]:
    """What the model 'generates', one piece per token (about a word each)."""
    pieces = [w + " " for w in str(message.get("content") or "").split()]
    for call in message.get("tool_calls") or []:
        pieces += [call["function"]["name"], *_split(call["function"]["arguments"])]
    return pieces


def _split(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _stream_deltas(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Content in word pieces; each tool call as vLLM's hermes parser streams it: id, type and
    name first, then the arguments JSON in pieces."""
    deltas: list[dict[str, Any]] = [{"content": w + " "} for w in str(message.get("content") or "").split()]
    for index, call in enumerate(message.get("tool_calls") or []):
        deltas.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": ""},
                    }
                ]
            }
        )
        for part in _split(call["function"]["arguments"]):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
    return deltas
