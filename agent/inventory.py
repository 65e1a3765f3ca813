"""What exists in the cluster, as the planner needs it to resolve names: namespaces, workloads.

Built from the live cluster (cached briefly: the planner asks on every turn) or, when no cluster
is running, from the sandbox scenario file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from opsgraph.core.inventory import Inventory, Workload


def _allowed(namespaces: Iterable[str], allow: list[str] | None) -> tuple[str, ...]:
    return tuple(sorted(n for n in namespaces if not allow or n in allow))


def _outside(namespaces: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(namespaces) - set(allowed)))


def from_deployments(
    namespaces: Iterable[str], deployments: Iterable[dict[str, Any]], allow: list[str] | None
) -> Inventory:
    """From API objects (Namespace names and Deployment dicts)."""
    namespaces = list(namespaces)
    allowed = _allowed(namespaces, allow)
    workloads = []
    for d in deployments:
        meta, spec = d.get("metadata") or {}, d.get("spec") or {}
        if meta.get("namespace") not in allowed:
            continue
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
        workloads.append(
            Workload(
                namespace=meta["namespace"],
                name=meta["name"],
                replicas=int(spec.get("replicas", 1)),
                images=tuple(c.get("image", "") for c in containers),
            )
        )
    return Inventory(allowed, tuple(workloads), _outside(namespaces, allowed))


def from_scenario(path: Path, allow: list[str] | None) -> Inventory:
    """From a sandbox scenario file: what the default sandbox would serve, without starting it."""
    from opsgraph.sandbox.scenario import load_scenario

    scenario = load_scenario(path)
    every = [n.name for n in scenario.namespaces]
    allowed = _allowed(every, allow)
    workloads = tuple(
        Workload(d.namespace, d.name, d.replicas, tuple(c.image for c in d.containers))
        for d in scenario.deployments
        if d.namespace in allowed
    )
    return Inventory(allowed, workloads, _outside(every, allowed))


class CachedInventory:
    """Re-lists the cluster at most every `ttl_s` seconds (an informer would do the same job)."""

    def __init__(self, load: Callable[[], Inventory], ttl_s: float = 5.0) -> None:
        self._load = load
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._value: Inventory | None = None
        self._at = 0.0

    def get(self) -> Inventory:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self._ttl:
                self._value = self._load()
                self._at = time.monotonic()
            return self._value
