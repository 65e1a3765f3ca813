"""The request id: created where a request enters (a webhook, a Slack event, a CLI or REPL turn)
and carried by a context variable to every log line, span and metric-worthy step below it, down
to the tool call. Context variables follow `asyncio` tasks, Starlette's thread pool and
LangGraph's node executor (each copies the context), so nothing passes it by hand."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import Any

_REQUEST_ID: ContextVar[str | None] = ContextVar("opsgraph_request_id", default=None)
# An id a caller sends (X-Request-ID) is kept only if it is short and plain: it lands in logs.
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current() -> str | None:
    return _REQUEST_ID.get()


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def accepted(candidate: str | None) -> str | None:
    """A caller's request id when it is safe to log as is, else None (a new one is made)."""
    if candidate and _SAFE.fullmatch(candidate):
        return candidate
    return None


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """A new request: `request_id` (or a fresh one) for everything inside."""
    rid = request_id or new_id()
    token = _REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        _REQUEST_ID.reset(token)


@contextmanager
def ensure_request() -> Iterator[str]:
    """The request already in progress, or a new one when nothing upstream started one."""
    existing = _REQUEST_ID.get()
    if existing is not None:
        yield existing
        return
    with request_scope() as rid:
        yield rid


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context (its request id, its span), unlike
    `ThreadPoolExecutor`'s. `waiting()` is what is queued and not started yet."""

    def __init__(self, max_workers: int, name: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._waiting = 0
        self._count_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = copy_context()
        with self._count_lock:
            self._waiting += 1

        def run() -> Any:
            with self._count_lock:
                self._waiting -= 1
            return context.run(fn, *args, **kwargs)

        return super().submit(run)

    def waiting(self) -> int:
        return self._waiting


def begin_request(request_id: str | None = None) -> str:
    """Start a request in this context without a `with` (an entry point that hands over to
    another thread, like a Bolt middleware): the context's next request replaces it."""
    rid = request_id or new_id()
    _REQUEST_ID.set(rid)
    return rid
