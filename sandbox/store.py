"""The object store: every object by resource, namespace and name, one resourceVersion counter,
and a bounded change log that watches replay.

Objects in the store are never mutated in place: writers build a new dict (`meta.clone` the old
one, change it) and `put` it, so readers may serialise a reference outside the lock and the change
log can keep snapshots without copying.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .meta import Obj, iso, stable_uid
from .resources import RESOURCES

FIRST_RESOURCE_VERSION = 1000


@dataclass(frozen=True)
class Change:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    resource: str
    namespace: str
    obj: Obj
    prev: Obj | None


class Store:
    def __init__(self, log_size: int = 20_000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._rv = FIRST_RESOURCE_VERSION
        self._data: dict[str, dict[tuple[str, str], Obj]] = {r.plural: {} for r in RESOURCES.values()}
        self._log: deque[Change] = deque(maxlen=log_size)
        # Simulation clocks (pod ready-at, next restart, ...), keyed "<uid>:<what>"; wall-clock seconds.
        self.timers: dict[str, float] = {}
        # Injected faults in effect (`faults.engine`): plain JSON records, saved with the state.
        self.faults: list[dict[str, Any]] = []
        self.mutations = 0
        self.closed = False

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        return self._data[resource].get((namespace, name))

    def items(self, resource: str, namespace: str | None = None) -> list[Obj]:
        objects = self._data[resource]
        if namespace is None:
            return list(objects.values())
        return [o for (ns, _), o in objects.items() if ns == namespace]

    def sorted_items(self, resource: str, namespace: str | None = None) -> list[Obj]:
        objects = self._data[resource]
        keys = sorted(k for k in objects if namespace is None or k[0] == namespace)
        return [objects[k] for k in keys]

    def count(self, resource: str) -> int:
        return len(self._data[resource])

    def create(self, resource: str, obj: Obj, *, now: float | None = None) -> Obj:
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("uid", stable_uid(resource, metadata.get("namespace"), metadata.get("name"), self._rv))
        metadata.setdefault("creationTimestamp", iso(now))
        return self._put(resource, obj, "ADDED")

    def update(self, resource: str, obj: Obj) -> Obj:
        return self._put(resource, obj, "MODIFIED")

    def remove(self, resource: str, namespace: str, name: str) -> Obj | None:
        prev = self._data[resource].pop((namespace, name), None)
        if prev is None:
            return None
        self._rv += 1
        gone = dict(prev)
        gone["metadata"] = dict(prev["metadata"], resourceVersion=str(self._rv))
        uid = str(prev["metadata"].get("uid"))
        for key in [k for k in self.timers if k.startswith(uid)]:
            del self.timers[key]
        self._record(Change(self._rv, "DELETED", resource, namespace, gone, prev))
        return gone

    def _put(self, resource: str, obj: Obj, kind: str) -> Obj:
        metadata = obj["metadata"]
        key = (metadata.get("namespace", ""), metadata["name"])
        prev = self._data[resource].get(key)
        self._rv += 1
        metadata["resourceVersion"] = str(self._rv)
        self._data[resource][key] = obj
        self._record(Change(self._rv, kind, resource, key[0], obj, prev))
        return obj

    def _record(self, change: Change) -> None:
        self._log.append(change)
        self.mutations += 1
        self.changed.notify_all()

    def changes_since(self, rv: int) -> list[Change] | None:
        """Changes after `rv`, oldest first; None when `rv` is older than the log remembers."""
        if rv >= self._rv:
            return []
        if not self._log or self._log[0].rv > rv + 1:
            return None
        out: list[Change] = []
        for change in reversed(self._log):
            if change.rv <= rv:
                break
            out.append(change)
        out.reverse()
        return out

    def oldest_rv(self) -> int:
        return self._log[0].rv if self._log else self._rv

    def wait(self, after_rv: int, timeout: float) -> None:
        """Block (lock held by caller) until something newer than `after_rv` or the timeout."""
        deadline = time.monotonic() + timeout
        while self._rv <= after_rv and not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.changed.wait(remaining)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.changed.notify_all()

    # Persistence: a plain JSON-able document.
    def dump(self) -> dict[str, Any]:
        return {
            "resourceVersion": self._rv,
            "objects": {resource: list(objs.values()) for resource, objs in self._data.items()},
            "timers": dict(self.timers),
            "faults": [dict(f) for f in self.faults],
        }

    def load(self, document: dict[str, Any]) -> None:
        self._rv = int(document.get("resourceVersion", FIRST_RESOURCE_VERSION))
        for resource, objects in (document.get("objects") or {}).items():
            if resource in self._data:
                self._data[resource] = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}
        self.timers = {str(k): float(v) for k, v in (document.get("timers") or {}).items()}
        self.faults = [dict(f) for f in document.get("faults") or [] if isinstance(f, dict)]
        self._log.clear()

    def all_objects(self) -> Iterable[tuple[str, Obj]]:
        for resource, objs in self._data.items():
            for obj in objs.values():
                yield resource, obj
