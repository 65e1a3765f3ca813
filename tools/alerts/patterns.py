"""Signals that several instances of one service raise together: one pattern, with its own history.

When two or more instances (pods) of a service show the same signal family in one incident, that
is one event about the service, not independent news from each pod. The baseline records it under
its own key, `(service, "instances:" + family)`, so a service-wide pattern that recurs (a daily
batch, a noisy deployment) becomes unsurprising as a whole, while a pod that alone starts showing
something keeps its own, separate history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

SHARED_PREFIX = "instances:"
CALLS_PREFIX = "calls:"


class _Entity(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def service(self) -> str | None: ...


class Member(Protocol):
    """What the patterns need of a correlator member (AlertState)."""

    @property
    def entity(self) -> _Entity: ...

    @property
    def family(self) -> str: ...


def shared_patterns(members: Iterable[Member]) -> dict[tuple[str, str], set[str]]:
    """(service, family) -> the instances showing it, for families two or more instances show."""
    by_service: dict[tuple[str, str], set[str]] = {}
    for m in members:
        service = m.entity.service
        if service:
            by_service.setdefault((service, m.family), set()).add(m.entity.id)
    return {key: pods for key, pods in by_service.items() if len(pods) >= 2}


def incident_keys(members: Iterable[Member]) -> list[tuple[str, str]]:
    """The baseline keys one incident holds: (entity, family) per alert, plus shared patterns,
    plus one `(caller->callee, "calls:" + family)` per trace alert naming a call (callgraph.py)."""
    members = list(members)
    keys = [(m.entity.id, m.family) for m in members]
    keys += [(service, SHARED_PREFIX + family) for service, family in shared_patterns(members)]
    for m in members:
        labels = getattr(getattr(m, "alert", None), "labels", None) or {}
        caller = labels.get("caller")
        if caller and labels.get("callee"):
            keys.append((f"{caller}->{m.entity.id}", CALLS_PREFIX + m.family))
    return keys
