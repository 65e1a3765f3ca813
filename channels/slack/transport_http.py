"""HTTP transport: `/slack/events` (events, slash commands) and `/slack/interactions` (buttons),
mounted in `opsgraph serve`. Each request is verified (signature and timestamp) by the Bolt app
and dispatched off the event loop; Bolt answers as soon as the listener acknowledges, and the
work goes on in its listener threads."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller


def slack_routes(bolt_app: Any) -> list[Route]:
    from slack_bolt import BoltRequest

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response("payload too large", status_code=413)
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=dict(request.query_params),
            headers={k: v for k, v in request.headers.items()},
        )
        answer = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return Response(content=answer.body, status_code=answer.status, headers=answer.first_headers())

    return [
        Route("/slack/events", endpoint, methods=["POST"]),
        Route("/slack/interactions", endpoint, methods=["POST"]),
    ]
