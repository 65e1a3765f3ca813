"""The alert funnel: raw notifications -> after noise reduction -> incidents -> prioritised ->
actionable items with a suggested fix.

- raw: every notification received (re-sends, resolves and re-fires included);
- noise-reduced: distinct alert occurrences left after dropping duplicates (re-sends of a firing
  alert), lifecycle updates (resolves), flapping re-fires and low-value alerts (silenced,
  inhibited, severity info/none);
- incidents: incidents holding at least one of those;
- prioritised: critical, or touching two services or more;
- actionable: prioritised, with a concrete suggested fix for the top cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opsgraph.tools.alerts.correlator import Stats
from opsgraph.tools.alerts.incidents import IncidentSnapshot


@dataclass(frozen=True)
class Funnel:
    raw: int
    noise_reduced: int
    incidents: int
    prioritised: int
    actionable: int
    duplicates: int
    resolves: int
    refires: int
    low_value: int

    def lines(self) -> list[str]:
        return [
            f"raw alerts               {self.raw:>8,}",
            f"after noise reduction    {self.noise_reduced:>8,}   (dropped {self.duplicates:,} duplicates, "
            f"{self.resolves:,} resolves, {self.refires:,} flapping re-fires, {self.low_value:,} low-value)",
            f"correlated incidents     {self.incidents:>8,}",
            f"prioritised              {self.prioritised:>8,}",
            f"actionable with a fix    {self.actionable:>8,}",
        ]

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def compute_funnel(stats: Stats, snapshots: Sequence[IncidentSnapshot]) -> Funnel:
    real = [s for s in snapshots if not s.noise]
    return Funnel(
        raw=stats.raw,
        noise_reduced=stats.noise_reduced,
        incidents=len(real),
        prioritised=sum(1 for s in real if s.prioritised),
        actionable=sum(1 for s in real if s.actionable),
        duplicates=stats.duplicates,
        resolves=stats.resolves,
        refires=stats.refires,
        low_value=stats.low_value,
    )
