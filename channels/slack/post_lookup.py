"""Finding a message we may already have posted. Slack's Web API has no idempotency key: a post
that Slack accepted just before the process that made it died is known to Slack only. So every
incident post and every agent answer in an incident thread carries message `metadata` (its
`event_type` and a `key` in its payload), and before posting again something whose post is
uncertain (claimed, never confirmed), the poster looks for that key in the channel's recent
history (`conversations.history`, or a thread's `conversations.replies`, with
`include_all_metadata`). Reading needs the `channels:history` / `groups:history` scopes (see
channels/slack/manifest.yaml; `opsgraph doctor` checks the token has them).
"""

from __future__ import annotations

from typing import Any

EVENT_INCIDENT = "opsgraph_incident"
EVENT_ANSWER = "opsgraph_answer"
PAGE_SIZE = 200
MAX_PAGES = 5  # the recent window: at most 1,000 messages since the claim
CLOCK_SKEW_S = 60.0  # our clock and Slack's may differ; look this far before the claim


class LookupFailed(Exception):
    """Slack did not answer the lookup (no history scope, not in the channel, unreachable)."""


def metadata(event_type: str, key: str, **payload: Any) -> dict[str, Any]:
    """The `metadata` argument of chat.postMessage for a post known by `key`."""
    return {"event_type": event_type, "event_payload": {"key": key, **payload}}


def find_keys(
    poster: Any, channel: str, event_type: str, *, since: float, thread_ts: str | None = None
) -> dict[str, dict[str, Any]]:
    """Our messages of `event_type` in `channel` (or in the thread `thread_ts`) posted since
    `since` (epoch seconds, less CLOCK_SKEW_S): their key -> the message. Raises LookupFailed."""
    method = "conversations.replies" if thread_ts else "conversations.history"
    params: dict[str, Any] = {
        "channel": channel,
        "oldest": f"{max(0.0, since - CLOCK_SKEW_S):.6f}",
        "include_all_metadata": True,
        "limit": PAGE_SIZE,
    }
    if thread_ts:
        params["ts"] = thread_ts
    found: dict[str, dict[str, Any]] = {}
    for _ in range(MAX_PAGES):
        data = poster.read(method, **params)
        if data is None or not data.get("ok", True):
            raise LookupFailed(f"{method} on {channel} failed")
        for message in data.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and isinstance(payload.get("key"), str):
                found.setdefault(payload["key"], message)
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
        params["cursor"] = cursor
    return found
