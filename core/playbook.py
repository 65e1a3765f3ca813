"""Playbooks: how the deterministic brain investigates. A playbook is a few declared steps; each
step reads what the previous ones observed and chooses the next reads (the branches), until it can
conclude: a diagnosis in one sentence, the evidence (which step showed what), the root cause, and a
fix as a structured tool call that goes through policy and approval like any other call.

A capability declares its playbooks in `PLAYBOOKS: dict[intent, Playbook]` (capability.py names
the module). Playbook memory is a JSON-able dict: it is checkpointed with the conversation, so an
investigation paused at an approval resumes in another process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, PlannedCall


@dataclass(frozen=True)
class Observation:
    """One tool call the loop ran this turn, and what came back."""

    tool: str
    args: dict[str, Any]
    status: str  # ok | error | no_data | ...
    text: str
    data: Any = None


@dataclass(frozen=True)
class Conclusion:
    diagnosis: str  # one sentence
    evidence: tuple[tuple[str, str], ...] = ()  # (step, what it showed)
    root_cause: dict[str, str] = field(
        default_factory=dict
    )  # {"resource": "prod/checkout", "reason": "CrashLoopBackOff"}
    fix: PlannedCall | None = None  # proposed, never run without policy and approval
    fix_reason: str = ""


@dataclass(frozen=True)
class Step:
    """What a playbook wants next: reads to run (then `advance` is called again), or a conclusion."""

    memory: dict[str, Any]
    calls: tuple[PlannedCall, ...] = ()
    conclusion: Conclusion | None = None
    note: str = ""  # what this step is doing, for progress ("reading the crashed container's logs")


class Playbook(Protocol):
    name: str

    def start(self, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Step:
        """The first reads; may raise Ask (a missing detail) or NotFoundName."""
        ...

    def advance(self, memory: dict[str, Any], observed: list[Observation]) -> Step:
        """The next reads, or the conclusion, from everything observed so far this turn."""
        ...
