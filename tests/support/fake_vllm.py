"""A local OpenAI-compatible server that answers the way vLLM's does, replaying scripted turns.

This stands in for a model we cannot run here (no GPU, no weights). The reply shapes follow
vLLM's `/v1/chat/completions` (ids `chatcmpl-...`, tool call ids `chatcmpl-tool-...`, arguments as
a JSON string, `finish_reason: tool_calls`, usage counts) and its error object for bad requests.
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


class FakeVLLM:
    def __init__(self, turns: list[Turn], model: str = "Qwen/Qwen2.5-7B-Instruct-AWQ") -> None:
        self.turns = list(turns)
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeVLLM:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return None

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
                else:
                    self._send(
                        404,
                        {
                            "object": "error",
                            "message": "Not Found",
                            "type": "NotFoundError",
                            "param": None,
                            "code": 404,
                        },
                    )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/chat/completions" or body.get("model") != fake.model:
                    self._send(
                        400,
                        {
                            "object": "error",
                            "message": f"The model `{body.get('model')}` does not exist.",
                            "type": "NotFoundError",
                            "param": None,
                            "code": 404,
                        },
                    )
                    return
                fake.requests.append(body)
                if not fake.turns:
                    self._send(
                        500,
                        {
                            "object": "error",
                            "message": "script exhausted",
                            "type": "InternalError",
                            "param": None,
                            "code": 500,
                        },
                    )
                    return
                message = fake.turns.pop(0)(body)
                calls = message.get("tool_calls") or []
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
                                "finish_reason": "tool_calls" if calls else "stop",
                                "stop_reason": None,
                            }
                        ],
                        "usage": {
                            "prompt_tokens": sum(len(str(m.get("content") or "")) // 4 for m in body["messages"]),
                            "total_tokens": 0,
                            "completion_tokens": 12,
                            "prompt_tokens_details": None,
                        },
                        "prompt_logprobs": None,
                    },
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
