"""The Alertmanager receiver, an ASGI app (Starlette). Thin: parse -> store -> correlate, all in
`AlertPipeline`; this module only maps HTTP to it.

- `POST /webhooks/alertmanager`: webhook v4 body. 200 once stored (committed, in a group commit
  with whatever else arrived meanwhile); correlation follows in the background, a new
  incident is announced as soon as it is correlated and updates of known ones come within
  `update_interval_s` (tools.alerts.intake; `background=False`: in the request, as before);
  400 when the body is not JSON (or not UTF-8 text, nested too deeply, a lone surrogate), 422
  when it is not a valid v4 payload (the reason in JSON), 413 when too large (found while
  reading: a huge body is never held whole), 503 when it could not be stored (Alertmanager
  retries 5xx).
- `GET /healthz` (alive), `GET /readyz` (database, policy, queue: 503 with the reason when one
  is not ready), `GET /metrics` (the process registry: agent, receiver, queues, model path).
- Every request carries a request id (`X-Request-ID`, channels.webhooks.requestid).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from opsgraph.agent.settings import Settings
from opsgraph.channels.webhooks.body import BodyError, decode_json, read_limited
from opsgraph.channels.webhooks.exposition import expose
from opsgraph.channels.webhooks.health import readiness
from opsgraph.channels.webhooks.metrics import ReceiverMetrics
from opsgraph.channels.webhooks.requestid import RequestIdMiddleware
from opsgraph.core.db import DatabaseError
from opsgraph.tools.alerts.intake import Busy
from opsgraph.tools.alerts.payloads import PayloadError
from opsgraph.tools.alerts.pipeline import AlertPipeline, IncidentCallback
from opsgraph.tools.alerts.topology import EMPTY, Topology

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(
    settings: Settings | None = None,
    *,
    topology: Topology = EMPTY,
    pipeline: AlertPipeline | None = None,
    on_incident: IncidentCallback | None = None,
    store_path: Path | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    background: bool = True,
) -> Starlette:
    """Build the receiver. Without `pipeline`, opens the store (`Settings().alerts_db` unless
    `store_path`) and rebuilds incidents from it. `on_incident(snapshot)` is called when an incident
    opens or grows. `extra_routes` are mounted beside (the Slack endpoints, when configured)."""
    owned = pipeline is None
    if pipeline is None:
        settings = settings or Settings()
        settings.ensure_state_dir()
        pipeline = AlertPipeline.open(store_path or settings.database_for(settings.alerts_db), topology, on_incident)
    elif on_incident is not None:
        pipeline.on_incident = on_incident
    receiver = pipeline
    metrics = ReceiverMetrics()
    # The storm path: the answer waits for the durable store only (a group commit); correlation
    # and incident updates follow in the background (tools.alerts.intake). background=False keeps
    # everything in the request (the ack then names the incidents).
    intake = receiver.intake() if background else None
    expose(metrics, receiver, intake)
    checked_settings = settings or Settings()

    async def alertmanager(request: Request) -> Response:
        try:
            body = await read_limited(request.headers.get("content-length"), request.stream(), MAX_BODY_BYTES)
            document, text = decode_json(body)
        except BodyError as exc:
            metrics.outcome("rejected")
            return _error(exc.status, exc.message)
        try:
            if intake is not None:
                accepted = await asyncio.wrap_future(intake.accept(document, text))
                stored = {"payload_id": accepted.payload_id, "alerts": accepted.alerts, "incidents": []}
                metrics.stored(accepted.alerts, accepted.seconds)
            else:
                result = await run_in_threadpool(receiver.receive, document, text)
                stored = {"payload_id": result.payload_id, "alerts": result.alerts, "incidents": list(result.incidents)}
                metrics.stored(result.alerts, result.seconds)
        except PayloadError as exc:
            metrics.outcome("rejected")
            return _error(422, f"not an Alertmanager webhook v4 payload: {exc}")
        except Busy as exc:
            metrics.outcome("failed")
            return _error(503, str(exc))
        except (sqlite3.Error, DatabaseError, OSError) as exc:
            metrics.outcome("failed")
            log.error("could not store an Alertmanager payload: %s", exc)
            return _error(503, "could not store the payload; retry later")
        return JSONResponse({"status": "stored", **stored})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            checks = await asyncio.wait_for(run_in_threadpool(readiness, checked_settings, receiver, intake), 5.0)
        except TimeoutError:
            return JSONResponse({"status": "not ready", "checks": {"timeout": "checks took over 5 s"}}, 503)
        body = {"status": "ready" if all(c.ok for c in checks) else "not ready",
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}  # fmt: skip
        return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)

    async def prometheus(request: Request) -> Response:
        from opsgraph.core.telemetry.metrics import CONTENT_TYPE
        from opsgraph.core.telemetry.metrics import metrics as registry

        return Response(await run_in_threadpool(registry().render), media_type=CONTENT_TYPE)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if intake is not None:
            await run_in_threadpool(intake.close)
        if owned:
            await run_in_threadpool(receiver.close)

    app = Starlette(
        routes=[
            Route("/webhooks/alertmanager", alertmanager, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
            *extra_routes,
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware)],
    )
    app.state.pipeline = receiver
    app.state.intake = intake
    app.state.metrics = metrics
    return app
