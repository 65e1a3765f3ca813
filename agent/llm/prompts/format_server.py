"""A local OpenAI-compatible server for prompt format checks: it validates each chat request the
way a strict server would (roles, tool schemas, sizes) and answers with the reply the runner
queued - the answer a model that followed the prompt would give. It checks the plumbing and the
shape of what we send, never the model's judgement."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ROLES = {"system", "user", "assistant", "tool"}


def request_problems(body: dict[str, Any], context_tokens: int) -> list[str]:
    problems = []
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("model: missing")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "messages: missing or empty"]
    if messages[0].get("role") != "system" or not str(messages[0].get("content") or "").strip():
        problems.append("messages[0]: the first message must be a non-empty system prompt")
    for i, m in enumerate(messages):
        if m.get("role") not in ROLES:
            problems.append(f"messages[{i}].role: {m.get('role')!r} is not one of {sorted(ROLES)}")
        if m.get("role") == "tool" and not m.get("tool_call_id"):
            problems.append(f"messages[{i}]: a tool message needs tool_call_id")
        if m.get("content") is not None and not isinstance(m["content"], str):
            problems.append(f"messages[{i}].content: must be text")
    names = []
    for i, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") or {}
        name = function.get("name", "")
        names.append(name)
        if tool.get("type") != "function" or not _TOOL_NAME.match(str(name)):
            problems.append(f"tools[{i}]: needs type 'function' and a name matching {_TOOL_NAME.pattern}")
        if not str(function.get("description") or "").strip():
            problems.append(f"tools[{i}] {name}: empty description")
        params = function.get("parameters") or {}
        if params.get("type") != "object" or not isinstance(params.get("properties", {}), dict):
            problems.append(f"tools[{i}] {name}: parameters must be a JSON Schema object")
    if len(names) != len(set(names)):
        problems.append("tools: duplicate names")
    size = len(json.dumps(messages)) + len(json.dumps(body.get("tools") or []))
    budget = context_tokens - int(body.get("max_tokens") or 0)
    if size // 3 > budget:  # ~3 characters a token for JSON-heavy text: a cautious estimate
        problems.append(f"prompt of ~{size // 3} tokens does not fit {budget} (context minus max_tokens)")
    return problems


class FormatServer:
    def __init__(self, model: str, context_tokens: int) -> None:
        self.model = model
        self.context_tokens = context_tokens
        self.next_reply: dict[str, Any] = {"content": "ok", "tool_calls": []}
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FormatServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return None

            def do_POST(self) -> None:
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                except ValueError:
                    self._send(400, _error("request body is not JSON"))
                    return
                server.requests.append(body)
                problems = request_problems(body, server.context_tokens)
                if self.path != "/v1/chat/completions" or problems:
                    self._send(400, _error("; ".join(problems) or f"unknown path {self.path}"))
                    return
                calls = [
                    {"id": f"chatcmpl-tool-{secrets.token_hex(8)}", "type": "function",
                     "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))}}
                    for c in server.next_reply.get("tool_calls", [])
                ]  # fmt: skip
                message = {"role": "assistant", "content": server.next_reply.get("content"), "tool_calls": calls}
                self._send(200, {
                    "id": f"chatcmpl-{secrets.token_hex(16)}", "object": "chat.completion",
                    "created": int(time.time()), "model": server.model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
                    "usage": {"prompt_tokens": len(json.dumps(body)) // 4, "completion_tokens": 8},
                })  # fmt: skip

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _error(message: str) -> dict[str, Any]:
    return {"object": "error", "message": message, "type": "BadRequestError", "param": None, "code": 400}
