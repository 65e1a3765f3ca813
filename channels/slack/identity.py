"""Who clicked or asked: a Slack user is `slack:<user id>`, and their Slack user groups are
`slack-group:<group id>`; the action policy maps both to roles (guardrails/policy). Groups come
from `usergroups.list` (scope `usergroups:read`), cached for a while; without the scope, nobody
has groups and a warning says so once."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)


def user_identity(user_id: str) -> str:
    return f"slack:{user_id}"


class GroupDirectory:
    def __init__(self, poster: Any, ttl_s: float = 300.0) -> None:
        self._poster = poster
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._members: dict[str, tuple[str, ...]] = {}
        self._loaded_at = -1e18
        self._warned = False

    def groups_of(self, user_id: str) -> tuple[str, ...]:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._ttl_s:
                self._reload()
            return self._members.get(user_id, ())

    def _reload(self) -> None:
        data = self._poster.call("usergroups.list", durable=False, include_users=True)
        if data is None:
            if not self._warned:
                log.warning("cannot read Slack user groups (scope usergroups:read?); roles come from user ids only")
                self._warned = True
            self._loaded_at = time.monotonic()
            return
        members: dict[str, list[str]] = {}
        for group in data.get("usergroups", []):
            for user in group.get("users") or []:
                members.setdefault(user, []).append(f"slack-group:{group['id']}")
        self._members = {u: tuple(g) for u, g in members.items()}
        self._loaded_at = time.monotonic()
