"""The AI gateway: an OpenAI-compatible API in front of one or more model servers (ASGI, Starlette).

`POST /v1/chat/completions`, in order: API key -> rate limit and token budget (429) -> injection
detector on every user message (400; tool output is scanned as untrusted data and, if flagged,
keeps the answer out of the cache) -> semantic cache for read-only answers -> the upstream chosen
by request complexity, streaming passed through. Every response carries `x-opsgraph-cache: hit`
or `miss` (DESIGN.md). Also `GET /v1/models`, `GET /health`, `GET /metrics` (Prometheus),
`POST /v1/cache/invalidate` (`{"namespace": "prod"}` or `{}` for everything).

Never cached: streamed requests with sampling, anything after a write or an approval in the
conversation, answers that call a tool that is not read-only, answers to conversations whose tool
output looked like an injection. A write seen in a conversation drops the cached answers about
its namespace (or all of them when it names none).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from opsgraph.serving.gateway.cacheability import Cacheability
from opsgraph.serving.gateway.limits import KeyLimits
from opsgraph.serving.gateway.routing import Upstream, pick
from opsgraph.serving.metrics import LLM_METRICS

log = logging.getLogger(__name__)
CACHE_HEADER = "x-opsgraph-cache"


@dataclass
class GatewayConfig:
    upstreams: list[Upstream]
    cache: bool = True
    cache_path: Path | None = None  # None: in memory
    cache_threshold: float | None = None
    cache_ttl_s: float = 300.0
    rate_per_min: int = 120
    tokens_per_day: int = 2_000_000
    keys: list[str] = field(default_factory=list)
    timeout_s: float = 120.0
    scan: bool = True
    speculative: bool = True  # call the upstream during the cache lookup (see Gateway.chat)

    @classmethod
    def from_settings(cls, upstreams: list[Upstream], *, cache: bool = True) -> GatewayConfig:
        from opsgraph.agent.settings import Settings
        from opsgraph.serving.settings import LLMSettings

        llm = LLMSettings()
        return cls(
            upstreams=upstreams,
            cache=cache,
            cache_path=llm.gateway_cache_dir or Settings().state_dir / "gateway-cache",
            cache_threshold=llm.gateway_cache_threshold,
            cache_ttl_s=llm.gateway_cache_ttl_s,
            rate_per_min=llm.gateway_rate_per_min,
            tokens_per_day=llm.gateway_tokens_per_day,
            keys=list(llm.gateway_keys),
            speculative=llm.gateway_speculative,
        )


def _error(status: int, message: str, kind: str, cache: str = "miss", **headers: str) -> JSONResponse:
    body = {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    return JSONResponse({"error": body, **body}, status_code=status, headers={CACHE_HEADER: cache, **headers})


def key_label(key: str) -> str:
    """What metrics and logs show for an API key: never the key itself."""
    return "anonymous" if not key else "key-" + hashlib.sha256(key.encode()).hexdigest()[:8]


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.limits = KeyLimits(config.rate_per_min, config.tokens_per_day)
        self.rules = Cacheability.from_registry()
        self._cache: Any = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(config.timeout_s, connect=5.0))

    @property
    def cache(self) -> Any:
        if self._cache is None and self.config.cache:
            from opsgraph.serving.gateway.cache import DEFAULT_THRESHOLD, SemanticCache
            from opsgraph.tools.runbooks.embedding import embedder

            threshold = self.config.cache_threshold
            self._cache = SemanticCache(
                self.config.cache_path,
                embedder().encode,
                threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                ttl_s=self.config.cache_ttl_s,
            )
        return self._cache

    # -- POST /v1/chat/completions -------------------------------------------------------------
    async def chat(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                raise ValueError("expected a JSON object with a 'messages' list")
        except ValueError as exc:
            return _error(400, f"invalid request body: {exc}", "BadRequestError")
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if self.config.keys and key not in self.config.keys:
            return _error(401, "unknown API key", "AuthenticationError")
        refused = self.limits.admit(key)
        if refused:
            LLM_METRICS.requests.inc(model=str(body.get("model")), source="gateway", outcome="rate_limited")
            return _error(429, refused, "RateLimitError", **{"retry-after": "60"})
        verdict = await run_in_threadpool(self.rules.inspect, body, self.config.scan)
        if verdict.injection:
            LLM_METRICS.requests.inc(model=str(body.get("model")), source="gateway", outcome="refused")
            return _error(400, f"request refused: {verdict.injection}", "InjectionDetected")
        if verdict.invalidate is not None and self.cache is not None:
            await run_in_threadpool(self._invalidate, verdict.invalidate)
        lookup = verdict.cache_question if self.cache is not None else None
        upstream, level = pick(self.config.upstreams, body)
        stream = bool(body.get("stream"))
        if lookup is None:
            LLM_METRICS.cache.inc(result="bypass")
            sent = await self._send(upstream, body, key, stream)
            return await self._relay(sent, upstream, body, key, started, None, level)
        # The upstream call starts while the question is encoded and looked up, so a miss costs
        # the proxy and not the encoding; a hit cancels the call (vLLM aborts a request whose
        # client went away), so the model server works at most for the lookup's duration.
        speculative = (
            asyncio.ensure_future(self._send(upstream, body, key, stream)) if self.config.speculative else None
        )
        try:
            vector = (await run_in_threadpool(self.cache.encode, [lookup]))[0]
            if self._pending:
                await asyncio.gather(*self._pending, return_exceptions=True)
            hit = await run_in_threadpool(self.cache.lookup, verdict.context, lookup, vector)
        except BaseException:
            if speculative is not None:
                await _abandon(speculative)
            raise
        if hit is not None:
            if speculative is not None:
                await _abandon(speculative)
                LLM_METRICS.requests.inc(model=str(body.get("model")), source="gateway", outcome="cancelled_by_hit")
            LLM_METRICS.cache.inc(result="hit")
            LLM_METRICS.latency.observe(time.perf_counter() - started, model=str(body.get("model")), source="cache")
            return _cached_response(hit.response, stream)
        LLM_METRICS.cache.inc(result="miss")
        sent = await speculative if speculative is not None else await self._send(upstream, body, key, stream)
        return await self._relay(sent, upstream, body, key, started, (verdict.context, lookup, vector), level)

    async def _send(self, upstream: Upstream, body: dict[str, Any], key: str, stream: bool) -> httpx.Response | str:
        """The upstream's answer (a streamed one is open at its headers), or why it failed."""
        try:
            if stream:
                sent = self._http.build_request(
                    "POST", upstream.url + "/chat/completions", json=body, headers=_auth(key)
                )
                return await self._http.send(sent, stream=True)
            return await self._http.post(upstream.url + "/chat/completions", json=body, headers=_auth(key))
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError as exc:
            return str(exc) or type(exc).__name__

    async def _relay(
        self,
        sent: httpx.Response | str,
        upstream: Upstream,
        body: dict[str, Any],
        key: str,
        started: float,
        store: Any,
        level: str,
    ) -> Response:
        model = str(body.get("model"))
        if sent == "timeout":
            return self._upstream_failed(model, 504, f"the model server {upstream.name} did not answer in time")
        if isinstance(sent, str):
            return self._upstream_failed(model, 502, f"cannot reach the model server {upstream.name}: {sent}")
        headers = {CACHE_HEADER: "miss", "x-opsgraph-upstream": upstream.name, "x-opsgraph-complexity": level}
        if sent.status_code != 200:
            content = await sent.aread()
            await sent.aclose()
            LLM_METRICS.requests.inc(model=model, source="gateway", outcome=f"upstream_{sent.status_code}")
            return Response(content, sent.status_code, headers=headers, media_type="application/json")
        if body.get("stream"):
            return self._stream(sent, model, key, started, store, headers)
        payload = sent.json()
        self._account(key, model, payload.get("usage") or {}, time.perf_counter() - started)
        if store is not None and self.rules.answer_cacheable(payload):
            # Stored while the answer goes out: the caller does not wait for the index; the next
            # lookup waits for pending stores, so a repeat right away still hits.
            task = asyncio.ensure_future(run_in_threadpool(self.cache.store, store[0], store[1], payload, store[2]))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return JSONResponse(payload, headers=headers)

    def _stream(
        self, answer: httpx.Response, model: str, key: str, started: float, store: Any, headers: dict[str, str]
    ) -> Response:
        from opsgraph.agent.llm.client import StreamAssembler

        assembler = StreamAssembler()

        async def relay() -> AsyncIterator[bytes]:
            complete = False
            try:
                async for line in answer.aiter_lines():
                    yield (line + "\n").encode()
                    data = line[5:].strip() if line.startswith("data:") else ""
                    if data == "[DONE]":
                        complete = True
                    elif data:
                        with contextlib.suppress(ValueError):
                            assembler.add(json.loads(data))
            finally:
                await answer.aclose()
            payload = assembler.payload()
            self._account(key, model, payload.get("usage") or {}, time.perf_counter() - started)
            if complete and store is not None and self.rules.answer_cacheable(payload):
                await run_in_threadpool(self.cache.store, store[0], store[1], payload, store[2])

        return StreamingResponse(relay(), media_type="text/event-stream", headers=headers)

    def _upstream_failed(self, model: str, status: int, message: str) -> Response:
        LLM_METRICS.requests.inc(model=model, source="gateway", outcome="upstream_unreachable")
        return _error(status, message, "UpstreamError")

    def _account(self, key: str, model: str, usage: dict[str, Any], latency: float) -> None:
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        self.limits.spend(key, prompt + completion)
        label = key_label(key)
        LLM_METRICS.requests.inc(model=model, source="gateway", outcome="ok")
        LLM_METRICS.tokens.inc(prompt, model=model, user=label, kind="prompt")
        LLM_METRICS.tokens.inc(completion, model=model, user=label, kind="completion")
        LLM_METRICS.latency.observe(latency, model=model, source="gateway")

    def _invalidate(self, namespaces: tuple[str, ...]) -> int:
        if not namespaces:
            return int(self.cache.invalidate())
        return sum(int(self.cache.invalidate(n)) for n in namespaces)

    # -- the rest ------------------------------------------------------------------------------
    def warm(self) -> None:
        """Load the injection detector, the embedder and the cache before serving."""
        if self.config.scan:
            from opsgraph.guardrails.injection import default_detector

            default_detector()
        if self.cache is not None:
            self.cache.encode(["warm up"])

    async def models(self, request: Request) -> Response:
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            answer = await self._http.get(self.config.upstreams[0].url + "/models", headers=_auth(key))
        except httpx.HTTPError as exc:
            return _error(502, f"cannot reach the model server: {exc}", "UpstreamError")
        return Response(
            answer.content, answer.status_code, headers={CACHE_HEADER: "miss"}, media_type="application/json"
        )

    async def invalidate(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            namespace = body.get("namespace") if isinstance(body, dict) else None
        except ValueError:
            return _error(400, "invalid JSON", "BadRequestError")
        if self.cache is None:
            return JSONResponse({"dropped": 0}, headers={CACHE_HEADER: "miss"})
        dropped = await run_in_threadpool(self.cache.invalidate, namespace)
        return JSONResponse({"dropped": dropped}, headers={CACHE_HEADER: "miss"})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers={CACHE_HEADER: "miss"})

    async def metrics(self, request: Request) -> Response:
        return PlainTextResponse(
            LLM_METRICS.render(), headers={CACHE_HEADER: "miss"}, media_type="text/plain; version=0.0.4"
        )

    async def close(self) -> None:
        await self._http.aclose()


async def _abandon(call: asyncio.Future[httpx.Response | str]) -> None:
    """Cancel a speculative upstream call; one that already answered is closed, not leaked."""
    if not call.done():
        call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        answer = await call
        if isinstance(answer, httpx.Response):
            await answer.aclose()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or 'EMPTY'}"}


def _cached_response(response: dict[str, Any], stream: bool) -> Response:
    import secrets

    fresh = {**response, "id": f"chatcmpl-{secrets.token_hex(16)}", "created": int(time.time())}
    fresh["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    headers = {CACHE_HEADER: "hit"}
    if not stream:
        return JSONResponse(fresh, headers=headers)
    message = fresh["choices"][0]["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": message.get("content") or ""}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
    base = {
        "id": fresh["id"],
        "object": "chat.completion.chunk",
        "created": fresh["created"],
        "model": fresh.get("model"),
    }
    finish = fresh["choices"][0].get("finish_reason") or "stop"
    chunks = [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": fresh["usage"]},
    ]
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return Response(text, headers=headers, media_type="text/event-stream")


class _AlwaysMarked:
    """Every response carries the cache header, also Starlette's own 404s and 405s."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == CACHE_HEADER.encode() for k, _ in headers):
                    headers.append((CACHE_HEADER.encode(), b"miss"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, marked)


def create_app(config: GatewayConfig) -> Starlette:
    from contextlib import asynccontextmanager

    from starlette.middleware import Middleware

    gateway = Gateway(config)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(gateway.warm)  # the first request must not pay for loading models
        yield
        await gateway.close()

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", gateway.chat, methods=["POST"]),
            Route("/v1/models", gateway.models, methods=["GET"]),
            Route("/v1/cache/invalidate", gateway.invalidate, methods=["POST"]),
            Route("/health", gateway.health, methods=["GET"]),
            Route("/metrics", gateway.metrics, methods=["GET"]),
        ],
        middleware=[Middleware(_AlwaysMarked)],
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    return app
