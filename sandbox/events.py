"""Core v1 Events as controllers and the kubelet record them, aggregated like the event broadcaster:
a repeat of the same reason and message on the same object bumps `count` and `lastTimestamp`."""

from __future__ import annotations

import time

from .meta import Obj, clone, iso
from .store import Store

EventKey = tuple[str, str, str, str, str, str]


class EventRecorder:
    def __init__(self, store: Store, ttl_seconds: float, max_events: int) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self.max_events = max_events
        self._index: dict[EventKey, str] = {}
        self._last_suffix = 0
        for event in store.items("events"):
            self._index[self._key_of(event)] = event["metadata"]["name"]

    @staticmethod
    def _key_of(event: Obj) -> EventKey:
        involved = event.get("involvedObject") or {}
        return (
            event["metadata"].get("namespace", ""),
            str(involved.get("uid", "")),
            str(involved.get("fieldPath", "")),
            str(event.get("reason", "")),
            str(event.get("message", "")),
            str((event.get("source") or {}).get("component", "")),
        )

    def record(
        self,
        involved: Obj,
        reason: str,
        message: str,
        *,
        type_: str = "Normal",
        component: str,
        host: str | None = None,
        field_path: str | None = None,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        metadata = involved["metadata"]
        namespace = metadata.get("namespace") or "default"
        ref: Obj = {
            "kind": involved.get("kind"),
            "namespace": metadata.get("namespace", ""),
            "name": metadata["name"],
            "uid": metadata.get("uid"),
            "apiVersion": involved.get("apiVersion"),
            "resourceVersion": metadata.get("resourceVersion"),
        }
        if field_path:
            ref["fieldPath"] = field_path
        source: Obj = {"component": component, **({"host": host} if host else {})}
        key: EventKey = (namespace, str(ref["uid"]), field_path or "", reason, message, component)
        existing_name = self._index.get(key)
        existing = self.store.get("events", namespace, existing_name) if existing_name else None
        if existing is not None:
            event = clone(existing)
            event["count"] = int(event.get("count", 1)) + 1
            event["lastTimestamp"] = iso(now)
            event["involvedObject"] = ref
            self.store.update("events", event)
        else:
            suffix = max(time.time_ns(), self._last_suffix + 1)
            self._last_suffix = suffix
            name = f"{metadata['name']}.{suffix:x}"
            event = {
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": ref,
                "reason": reason,
                "message": message,
                "source": source,
                "firstTimestamp": iso(now),
                "lastTimestamp": iso(now),
                "count": 1,
                "type": type_,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": host or "",
            }
            self.store.create("events", event, now=now)
            self._index[key] = name
        self.store.timers[f"{event['metadata']['uid']}:seen"] = now

    def prune(self, now: float) -> None:
        """Drop events past their TTL, then the oldest beyond the cap (events are not kept forever)."""
        events = self.store.items("events")
        seen = self.store.timers
        expired = [e for e in events if seen.get(f"{e['metadata']['uid']}:seen", now) < now - self.ttl_seconds]
        gone = {id(e) for e in expired}
        if len(events) - len(gone) > self.max_events:
            alive = sorted(
                (e for e in events if id(e) not in gone),
                key=lambda e: seen.get(f"{e['metadata']['uid']}:seen", 0.0),
            )
            expired.extend(alive[: len(alive) - self.max_events])
        for event in expired:
            self._index.pop(self._key_of(event), None)
            self.store.remove("events", event["metadata"]["namespace"], event["metadata"]["name"])
