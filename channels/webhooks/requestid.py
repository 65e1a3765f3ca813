"""Every HTTP request is a request: its id comes from `X-Request-ID` when the caller sent a plain
one (a proxy's), or is made here; it is set for everything the request does (logs, spans, the
agent turn it starts, through Starlette's thread pool) and sent back in `X-Request-ID`."""

from __future__ import annotations

from typing import Any

from opsgraph.core.telemetry.requests import accepted, request_scope

HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would buffer the streaming webhook body)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v for k, v in scope.get("headers", []) if k == HEADER), b"")
        with request_scope(accepted(sent.decode("latin-1"))) as rid:

            async def send_with_id(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    headers = [h for h in message.get("headers", []) if h[0].lower() != HEADER]
                    message = message | {"headers": [*headers, (HEADER, rid.encode())]}
                await send(message)

            await self.app(scope, receive, send_with_id)
