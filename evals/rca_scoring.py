"""Scoring for the "rca" eval: per-fault outcomes, AC@k, the time split, breakdowns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opsgraph.tools.alerts.model import Alert


@dataclass(frozen=True)
class Fault:
    id: str
    level: str
    entity: str
    kind: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class FaultOutcome:
    id: str
    level: str
    kind: str
    hit1: bool
    hit3: bool
    root_alerts: bool  # the root (or one of its instances) has any alert at all


@dataclass(frozen=True)
class SystemResult:
    system: str
    outcomes: tuple[FaultOutcome, ...]

    def _share(self, pick: Callable[[FaultOutcome], bool]) -> float:
        return sum(map(pick, self.outcomes)) / max(1, len(self.outcomes))

    @property
    def ac1(self) -> float:
        return self._share(lambda o: o.hit1)

    @property
    def ac3(self) -> float:
        return self._share(lambda o: o.hit3)

    @property
    def ceiling(self) -> float:
        return self._share(lambda o: o.root_alerts)

    def subset(self, pick: Callable[[FaultOutcome], bool]) -> SystemResult:
        return SystemResult(self.system, tuple(o for o in self.outcomes if pick(o)))

    def halves(self) -> tuple[SystemResult, SystemResult]:
        """(development, held-out): the first and second half of the faults in time order."""
        middle = len(self.outcomes) // 2
        return (
            SystemResult(self.system, self.outcomes[:middle]),
            SystemResult(self.system, self.outcomes[middle:]),
        )

    def within_ceiling(self) -> SystemResult:
        return self.subset(lambda o: o.root_alerts)

    def _grouped(self, key: Callable[[FaultOutcome], str]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for name in sorted({key(o) for o in self.outcomes}):
            part = self.subset(lambda o, name=name: key(o) == name)  # type: ignore[misc]
            out[name] = {
                "faults": len(part.outcomes),
                "AC@1": round(part.ac1, 4),
                "AC@3": round(part.ac3, 4),
                "ceiling": round(part.ceiling, 4),
            }
        return out

    def by_level(self) -> dict[str, dict[str, float]]:
        return self._grouped(lambda o: o.level)

    def by_type(self) -> dict[str, dict[str, float]]:
        return self._grouped(lambda o: o.kind)


def part_summary(part: SystemResult, faults: Sequence[Fault]) -> dict[str, object]:
    """One half of the split: its size, time range (first fault ids), AC@k, ceiling, by level."""
    return {
        "faults": len(part.outcomes),
        "first_fault": faults[0].id if faults else None,
        "last_fault": faults[-1].id if faults else None,
        "AC@1": round(part.ac1, 4),
        "AC@3": round(part.ac3, 4),
        "ceiling": round(part.ceiling, 4),
        "by_level": part.by_level(),
    }


def repeated_storms(faults: Sequence[Fault]) -> list[bool]:
    """Per fault (in the given order): whether its alerts, by labels, are exactly those of an
    earlier fault (a replayed storm, not a new one). Faults without alerts are never repeats."""
    seen: set[tuple[tuple[tuple[str, str], ...], ...]] = set()
    out = []
    for fault in faults:
        key = tuple(sorted(tuple(sorted(a.labels.items())) for a in fault.alerts))
        out.append(bool(fault.alerts) and key in seen)
        seen.add(key)
    return out
