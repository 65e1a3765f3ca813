"""A small client for the OpenAI-compatible chat completions API that vLLM serves.

Failures of the model server are the world's fault, not the user's: every one of them becomes
`LLMUnavailable`, and the caller (the brain) falls back to the deterministic planner.

- Timeouts: a short connect timeout, a read timeout per request, and a deadline over all tries.
- Retries with exponential backoff and jitter, only for what a retry can fix: connection errors,
  timeouts, 429 and 5xx. A 4xx other than 429 is our request's fault and is not repeated.
- A circuit breaker: after `failures_to_open` failed calls in a row the client stops calling for
  `open_s` seconds and answers `LLMUnavailable` at once (a dead server costs nothing per turn);
  then one trial call decides whether it closes again.
- Streaming (`stream`) for first-token latency and for the gateway's pass-through.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class LLMUnavailable(Exception):
    """The model server could not be reached or failed; the caller falls back."""


class CircuitOpen(LLMUnavailable):
    """The breaker is open: recent calls failed, so this one was not tried."""


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it (may be invalid)


@dataclass(frozen=True)
class ChatReply:
    content: str
    tool_calls: tuple[ToolCallRequest, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    latency_s: float = field(default=0.0, compare=False)
    first_token_s: float | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries in all, the first included
    backoff_s: float = 0.25  # first pause; doubles each retry
    max_backoff_s: float = 2.0
    deadline_s: float = 90.0  # over all tries of one call


class CircuitBreaker:
    """closed -> (n failures in a row) -> open -> (after open_s) half-open -> one trial decides."""

    def __init__(self, failures_to_open: int = 3, open_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.failures_to_open = failures_to_open
        self.open_s = open_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._clock() - self._opened_at >= self.open_s else "open"

    def allow(self) -> bool:
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half-open" and not self._trial:
                self._trial = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._trial = 0, None, False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.failures_to_open:
                self._opened_at = self._clock()
            self._trial = False

    def retry_in(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.open_s - (self._clock() - self._opened_at))


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "EMPTY",
        timeout_s: float = 60.0,
        connect_timeout_s: float = 3.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        max_tokens: int = 1024,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
            headers={"Authorization": f"Bearer {api_key}"},
        )

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    # -- one completion ------------------------------------------------------------------------
    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatReply:
        started = time.perf_counter()
        payload = self._with_retries(lambda: self._post(self._body(messages, tools, stream=False)))
        reply = parse_completion(payload)
        return _timed(reply, time.perf_counter() - started, None)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._http.post("/chat/completions", json=body)
        _raise_for_status(response.status_code, lambda: response.text)
        try:
            payload: dict[str, Any] = response.json()
        except ValueError as exc:
            raise _Permanent(f"model server sent an unreadable reply: {exc}") from exc
        return payload

    # -- streaming -----------------------------------------------------------------------------
    def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatReply:
        """One streamed completion, assembled; `first_token_s` is when the first delta arrived.
        Retries apply until the first byte of the answer; a stream cut afterwards is a failure."""
        started = time.perf_counter()
        first: list[float] = []

        def attempt() -> dict[str, Any]:
            first.clear()
            assembler = StreamAssembler()
            with self._http.stream("POST", "/chat/completions", json=self._body(messages, tools, stream=True)) as r:
                if r.status_code != 200:
                    r.read()
                    _raise_for_status(r.status_code, lambda: r.text)
                for event in iter_sse(r.iter_lines()):
                    if not first and assembler.add(event):
                        first.append(time.perf_counter() - started)
                    elif first:
                        assembler.add(event)
            return assembler.payload()

        payload = self._with_retries(attempt)
        return _timed(parse_completion(payload), time.perf_counter() - started, first[0] if first else None)

    # -- plumbing ------------------------------------------------------------------------------
    def _body(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.0,
            "max_tokens": self.max_tokens,
        }
        if tools:
            body |= {"tools": tools, "tool_choice": "auto"}
        if stream:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        return body

    def _with_retries(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if not self.breaker.allow():
            raise CircuitOpen(
                f"the model server at {self.base_url} failed repeatedly; not calling it for "
                f"another {self.breaker.retry_in():.0f}s"
            )
        deadline = time.monotonic() + self.retry.deadline_s
        pause = self.retry.backoff_s
        last: Exception | None = None
        for attempt in range(self.retry.attempts):
            try:
                payload = call()
            except _Rejected as exc:
                # Our request was refused (4xx): the server is up; repeating it would not help.
                raise LLMUnavailable(str(exc)) from exc
            except _Permanent as exc:
                # The server answered garbage: count it against the server, do not repeat it.
                self.breaker.failure()
                raise LLMUnavailable(str(exc)) from exc
            except (_Retryable, httpx.HTTPError) as exc:
                last = exc
                if attempt + 1 >= self.retry.attempts or time.monotonic() + pause >= deadline:
                    break
                self._sleep(pause * (0.5 + random.random() / 2))
                pause = min(pause * 2, self.retry.max_backoff_s)
                continue
            self.breaker.success()
            return payload
        self.breaker.failure()
        raise LLMUnavailable(_describe(last, self.base_url)) from last

    def close(self) -> None:
        self._http.close()


class _Retryable(Exception):
    pass


class _Permanent(Exception):
    pass


class _Rejected(_Permanent):
    pass


def _raise_for_status(status: int, text: Callable[[], str]) -> None:
    if status == 200:
        return
    message = f"model server answered {status}: {text()[:200]}"
    raise (_Retryable if status in RETRYABLE_STATUS else _Rejected)(message)


def _describe(exc: Exception | None, base_url: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"the model server at {base_url} did not answer in time ({type(exc).__name__})"
    if isinstance(exc, httpx.HTTPError):
        return f"cannot reach the model server at {base_url}: {exc}"
    return str(exc)


def _timed(reply: ChatReply, latency: float, first: float | None) -> ChatReply:
    from dataclasses import replace

    return replace(reply, latency_s=latency, first_token_s=first)


def parse_completion(payload: dict[str, Any]) -> ChatReply:
    """A chat.completion object -> ChatReply; a malformed one is LLMUnavailable."""
    try:
        message = payload["choices"][0]["message"]
        calls = tuple(
            ToolCallRequest(
                id=str(c.get("id") or f"call_{i}"),
                name=str(c["function"]["name"]),
                arguments=c["function"].get("arguments") or "{}",
            )
            for i, c in enumerate(message.get("tool_calls") or [])
        )
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMUnavailable(f"model server sent an unreadable reply: missing {exc}") from exc
    usage = payload.get("usage") or {}
    return ChatReply(
        content=message.get("content") or "",
        tool_calls=calls,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        raw=payload,
    )


def iter_sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Server-sent events of a streamed completion -> chunk objects, up to `data: [DONE]`."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            yield json.loads(data)
        except ValueError as exc:
            raise _Permanent(f"model server sent an unreadable stream chunk: {data[:100]}") from exc


class StreamAssembler:
    """Folds chat.completion.chunk objects into one chat.completion (content, tool calls, usage)."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.meta: dict[str, Any] = {}

    def add(self, chunk: dict[str, Any]) -> bool:
        """Fold one chunk in; True when it carried content or a tool call (a 'token')."""
        self.meta = self.meta or {k: chunk.get(k) for k in ("id", "created", "model")}
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        produced = False
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(delta["content"])
                produced = True
            for call in delta.get("tool_calls") or []:
                slot = self.calls.setdefault(int(call.get("index", 0)), {"id": None, "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
                produced = True
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
        return produced

    def payload(self) -> dict[str, Any]:
        calls = [
            {
                "id": c["id"] or f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for i, c in sorted(self.calls.items())
        ]
        message = {"role": "assistant", "content": "".join(self.content) or None, "tool_calls": calls}
        return {
            **self.meta,
            "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason or "stop"}],
            "usage": self.usage or {},
        }


def parse_arguments(text: str) -> dict[str, Any]:
    """The model's JSON arguments; raises ValueError with what is wrong."""
    value = json.loads(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("arguments must be a JSON object")
    return value
