"""Channel names and ids: config and policy may name a channel `#ops`; Slack's API wants its id.
Names come from `conversations.list` (scopes `channels:read`, `groups:read`), cached for a while
and read again (at most every `min_reload_s`) when a name is not known yet. Direct-message
channels (ids starting with D) are also named `im`."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "slack:"


class ChannelDirectory:
    def __init__(self, poster: Any, ttl_s: float = 300.0, min_reload_s: float = 30.0) -> None:
        self._poster = poster
        self._ttl_s = ttl_s
        self._min_reload_s = min_reload_s
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}  # name -> id
        self._names: dict[str, str] = {}  # id -> name
        self._loaded_at = -1e18
        self.loads = 0
        self._warned: set[str] = set()

    # -- config: "#ops" -> "C0123" ---------------------------------------------------------------
    def resolve(self, channel: str | None) -> str | None:
        """A channel as Slack's API wants it: `#name` becomes its id; ids pass through. A name
        that cannot be resolved (unknown, or Slack unreachable) is returned as written, said once."""
        if channel is None or not channel.startswith("#"):
            return channel
        found = self.id_of(channel)
        if found is None and channel not in self._warned:
            self._warned.add(channel)
            log.warning("Slack channel %s not found (is it archived, or the app not invited?)", channel)
        return found or channel

    def id_of(self, name: str) -> str | None:
        name = name.removeprefix("#")
        with self._lock:
            self._fresh()
            if name not in self._ids and time.monotonic() - self._loaded_at > self._min_reload_s:
                self._reload()  # a channel created since the last read
            return self._ids.get(name)

    # -- policy: "slack:C0123" -> ("slack:#ops",) ------------------------------------------------
    def names_of(self, channel: str) -> tuple[str, ...] | None:
        """Its other names for the policy; None when they cannot be known (no list, or the channel
        is not in it): the policy then does not guess which rule by name it falls under."""
        if not channel.startswith(PREFIX):
            return ()
        channel_id = channel[len(PREFIX) :]
        if channel_id.startswith("D"):
            return (f"{PREFIX}im",)
        with self._lock:
            self._fresh()
            if channel_id not in self._names and time.monotonic() - self._loaded_at > self._min_reload_s:
                self._reload()  # a channel created (or the app invited) since the last read
            name = self._names.get(channel_id)
        return (f"{PREFIX}#{name}",) if name else None

    # -- helpers -------------------------------------------------------------------------------
    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self._ttl_s:
            self._reload()

    def _reload(self) -> None:
        ids: dict[str, str] = {}
        cursor = ""
        self._loaded_at = time.monotonic()
        self.loads += 1
        for _ in range(100):  # 100 pages of 1,000 channels
            page = self._poster.call(
                "conversations.list",
                durable=False,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                **({"cursor": cursor} if cursor else {}),
            )
            if page is None:
                log.warning("cannot list Slack channels (scopes channels:read, groups:read?); names stay unresolved")
                return  # keep what was known
            for channel in page.get("channels", []):
                ids[str(channel["name"])] = str(channel["id"])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        self._ids = ids
        self._names = {v: k for k, v in ids.items()}
