"""The Slack Web API as opsgraph uses it: a WebClient that retries 429s (after Retry-After), 5xx
and connection errors with backoff, and an outbox so a post that still fails is not lost: it is
kept in the state database, recorded in the audit log, and retried until Slack takes it. With
several replicas on PostgreSQL one replica at a time flushes the outbox (a session lock), so a
kept post is sent once."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from opsgraph.core.db import Database, Migration, Target, migrate, open_database

log = logging.getLogger(__name__)

MAX_ATTEMPTS_PERMANENT = 5  # a refused post (deleted channel) is retried this often, then dropped
AuditHook = Callable[[str, dict[str, Any]], None]


def web_client(token: str | None, base_url: str, retries: int = 4) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )
    from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    handlers = [
        RateLimitErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
    ]
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=handlers)


_OUTBOX = """CREATE TABLE IF NOT EXISTS outbox (
    id {id},
    method TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at {real} NOT NULL
)"""

MIGRATIONS = (
    Migration(
        1,
        "Slack outbox",
        sqlite=(_OUTBOX.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"),),
        postgresql=(_OUTBOX.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", real="DOUBLE PRECISION"),),
    ),
)


class Poster:
    """Calls the Web API; a durable call that fails after the client's retries goes to the outbox."""

    def __init__(self, client: Any, outbox_path: Target, audit: AuditHook | None = None) -> None:
        self.client = client
        self._audit = audit
        self.db: Database = open_database(outbox_path, timeout=10)
        self._owned = self.db is not outbox_path
        migrate(self.db, "slack_outbox", MIGRATIONS)

    def call(self, method: str, *, durable: bool = True, **payload: Any) -> dict[str, Any] | None:
        """The API's response data, or None when it failed (kept for retry when `durable`)."""
        try:
            return dict(self.client.api_call(method, json=payload).data)
        except Exception as exc:  # SlackApiError, connection errors after the retries
            reason = _reason(exc)
            log.error("Slack %s failed: %s", method, reason)
            if durable:
                self._keep(method, payload, reason)
            return None

    def read(self, method: str, **params: Any) -> dict[str, Any] | None:
        """A read method (conversations.history, conversations.replies): sent as query
        parameters, which Slack's read methods take (they refuse JSON bodies); None on failure."""
        try:
            return dict(self.client.api_call(method, http_verb="GET", params=params).data)
        except Exception as exc:
            log.warning("Slack %s failed: %s", method, _reason(exc))
            return None

    def pending(self) -> int:
        row = self.db.query_one("SELECT COUNT(*) FROM outbox")
        return int(row[0]) if row else 0

    def flush(self) -> int:
        """Retry what the outbox holds, oldest first; returns how many went through."""
        if self.db.dialect == "sqlite":
            return self._flush()
        if not self.pending():
            return 0
        lock = self.db.session_lock("opsgraph:slack-outbox")
        if not lock.acquire(wait=False):
            return 0  # another replica is flushing it
        try:
            return self._flush()
        finally:
            lock.release()

    def _flush(self) -> int:
        rows = self.db.query("SELECT id, method, payload, attempts FROM outbox ORDER BY id")
        sent = 0
        for row_id, method, payload, attempts in rows:
            try:
                self.client.api_call(method, json=json.loads(payload))
            except Exception as exc:
                with self.db.transaction() as tx:
                    tx.execute(
                        "UPDATE outbox SET attempts = ?, last_error = ? WHERE id = ?",
                        (attempts + 1, _reason(exc), row_id),
                    )
                if _permanent(exc):
                    if attempts + 1 >= MAX_ATTEMPTS_PERMANENT:
                        self._drop(row_id, method, _reason(exc))
                    continue
                break  # Slack is still unreachable: keep the order, try again later
            with self.db.transaction() as tx:
                tx.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
            sent += 1
        return sent

    def start_retrying(self, every_s: float) -> threading.Event:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.flush()
                except Exception:
                    log.exception("retrying failed Slack posts")

        threading.Thread(target=loop, name="slack-outbox", daemon=True).start()
        return stop

    def _drop(self, row_id: int, method: str, reason: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
        log.error("Slack %s given up after %d attempts: %s", method, MAX_ATTEMPTS_PERMANENT, reason)
        if self._audit is not None:
            self._audit("slack_post_dropped", {"method": method, "reason": reason})

    def _keep(self, method: str, payload: dict[str, Any], reason: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO outbox (method, payload, attempts, last_error, created_at) VALUES (?, ?, 1, ?, ?)",
                (method, json.dumps(payload, default=str), reason, time.time()),
            )
        if self._audit is not None:
            self._audit("slack_post_failed", {"method": method, "reason": reason, "payload": payload})

    def close(self) -> None:
        if self._owned:
            self.db.close()


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        return f"{response.status_code} {response.get('error', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def _permanent(exc: Exception) -> bool:
    """Errors a retry cannot fix (a deleted channel, a message that no longer exists)."""
    response = getattr(exc, "response", None)
    return response is not None and response.status_code < 500 and response.status_code != 429
