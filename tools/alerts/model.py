"""The alert as the correlator sees it: a frozen record, already validated at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

AlertStatus = Literal["firing", "resolved"]

# Alertmanager's label-set fingerprint: FNV-1a 64 over the sorted label names and values, each
# followed by a 0xff separator byte (prometheus/common model.LabelSet.Fingerprint), shown as 16 hex.
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1
_SEPARATOR = 0xFF

SEVERITY_RANK = {"none": 0, "info": 1, "warning": 2, "error": 3, "critical": 4, "page": 4}


def fingerprint(labels: Mapping[str, str]) -> str:
    """The fingerprint Alertmanager computes for a label set (stable, order independent)."""
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                h = ((h ^ byte) * _FNV_PRIME) & _MASK
            h = ((h ^ _SEPARATOR) * _FNV_PRIME) & _MASK
    return f"{h:016x}"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert notification. `labels`/`annotations` are read-only by convention.

    `suppressed` is True when Alertmanager reported the alert as silenced or inhibited.
    Times are Unix seconds (UTC).
    """

    fingerprint: str
    labels: Mapping[str, str]
    starts_at: float
    status: AlertStatus = "firing"
    ends_at: float | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    generator_url: str | None = None
    suppressed: bool = False

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "").lower()

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 2)

    @property
    def event_time(self) -> float:
        """When this notification happened: the resolve time for a resolved alert."""
        if self.status == "resolved" and self.ends_at is not None:
            return self.ends_at
        return self.starts_at
