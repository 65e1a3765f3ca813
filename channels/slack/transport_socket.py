"""Socket Mode transport with a watchdog.

Bolt's Socket Mode client reconnects by itself when Slack closes the socket or asks it to
(`disconnect` message), and drops a connection whose pongs stop. What it does not do is say when
the connection is down, or try again when a reconnect itself failed (Slack unreachable, the
`apps.connections.open` call refused): the process then looks alive and silently stops
answering. The watchdog checks every `check_every_s`; it logs once when the connection goes down
and once when it is back, and forces a fresh connection (new URL from `apps.connections.open`)
with exponential backoff while it stays down."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0


class SocketModeRunner:
    def __init__(self, bolt_app: Any, app_token: str, check_every_s: float = 10.0, *, ping_interval: float = 5) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self.handler = SocketModeHandler(bolt_app, app_token, ping_interval=ping_interval)
        self.client = self.handler.client
        self.check_every_s = check_every_s
        self.up = False
        self.down_since: float | None = None
        self.reconnects = 0
        self._next_try = 0.0
        self._backoff = check_every_s
        self._stop = threading.Event()

    def connect(self) -> bool:
        try:
            self.handler.connect()
        except Exception as exc:
            log.error("cannot connect to Slack: %s", _reason(exc))
            return False
        return True

    def check(self, now: float | None = None) -> bool:
        """One watchdog round; returns whether the connection is up afterwards."""
        now = time.monotonic() if now is None else now
        if self.client.is_connected():
            if not self.up:
                outage = f" after {now - self.down_since:.0f}s down" if self.down_since is not None else ""
                log.warning("Slack connection is up (session %s)%s", self.client.session_id(), outage)
            self.up, self.down_since, self._backoff = True, None, self.check_every_s
            return True
        if self.up or self.down_since is None:
            log.error("Slack connection is down; opsgraph cannot hear Slack until it is back")
            self.down_since = now
            self._next_try = now + self.check_every_s  # give the client's own reconnect a chance first
        self.up = False
        if now >= self._next_try:
            self.reconnects += 1
            reason = "the connection did not come up"
            try:
                self.client.connect_to_new_endpoint(force=True)
            except Exception as exc:  # the SDK logs most failures itself and returns
                reason = _reason(exc)
            if not self.client.is_connected():
                log.error(
                    "reconnecting to Slack failed (%s); down for %.0fs, next try in %.0fs",
                    reason,
                    now - self.down_since,
                    self._backoff,
                )
            self._next_try = now + self._backoff
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
        return bool(self.client.is_connected())

    def run_forever(self) -> None:
        self.connect()
        while not self._stop.wait(self.check_every_s):
            self.check()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="slack-socket-mode", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()
        try:
            self.handler.close()
        except Exception as exc:  # closing a dead socket may fail; nothing to save
            log.debug("closing Socket Mode: %s", exc)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
