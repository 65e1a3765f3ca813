"""Incident snapshots: what a person (or the agent) reads about one incident.

Severity: the highest `severity` label among its meaningful alerts, raised to critical when three
or more services are affected. Blast radius: the services (and nodes / data stores) with alerts.
Priority orders incidents: severity, then breadth, then whether it is still firing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opsgraph.tools.alerts.actions import SuggestedAction, suggest
from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import AlertState, IncidentState
from opsgraph.tools.alerts.model import SEVERITY_RANK
from opsgraph.tools.alerts.ranking import Cause, RankingConfig, rank_causes
from opsgraph.tools.alerts.topology import Topology

SEVERITY_NAMES = {0: "none", 1: "info", 2: "warning", 3: "error", 4: "critical"}
TIMELINE_LIMIT = 20


@dataclass(frozen=True)
class TimelineEntry:
    at: float
    entity: str
    alert: str
    status: str


@dataclass(frozen=True)
class IncidentSnapshot:
    id: str
    status: str  # firing | resolved
    noise: bool
    opened_at: float
    last_at: float
    alerts: tuple[int, ...]
    alert_count: int
    firing: int
    severity: str
    priority: float
    causes: tuple[Cause, ...]
    blast_radius: tuple[str, ...]
    affected_services: int
    flapping: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    actions: tuple[SuggestedAction, ...]
    summary: str

    @property
    def prioritised(self) -> bool:
        return not self.noise and (self.severity == "critical" or self.affected_services >= 2)

    @property
    def actionable(self) -> bool:
        return self.prioritised and bool(self.actions) and self.actions[0].specific

    def contract(self) -> dict[str, Any]:
        """The DESIGN.md `alerts correlate` shape (plus blast_radius)."""
        return {
            "id": self.id,
            "alerts": list(self.alerts),
            "probable_causes": [vars(c).copy() for c in self.causes],
            "severity": self.severity,
            "summary": self.summary,
            "blast_radius": list(self.blast_radius),
        }

    def to_dict(self) -> dict[str, Any]:
        data = self.contract()
        data.update(
            status=self.status,
            noise=self.noise,
            opened_at=_iso(self.opened_at),
            last_at=_iso(self.last_at),
            alert_count=self.alert_count,
            firing=self.firing,
            priority=round(self.priority, 3),
            flapping=list(self.flapping),
            actions=[a.to_dict() for a in self.actions],
            timeline=[
                {"at": _iso(t.at), "entity": t.entity, "alert": t.alert, "status": t.status} for t in self.timeline
            ],
        )
        return data


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _blast_radius(members: Sequence[AlertState]) -> tuple[tuple[str, ...], int]:
    services: dict[str, None] = {}
    others: dict[str, None] = {}
    for m in members:
        e = m.entity
        if e.service:
            services.setdefault(e.service)
        elif e.kind in ("service", "database", "cache"):
            services.setdefault(e.id)
        else:
            others.setdefault(e.id)
    return tuple(sorted(services)) + tuple(sorted(others)), len(services)


def _actions(causes: Sequence[Cause], members: Sequence[AlertState]) -> tuple[SuggestedAction, ...]:
    out = []
    for cause in causes[:3]:
        related = [m for m in members if cause.entity in (m.entity.id, m.entity.service)]
        names = list(dict.fromkeys(m.alert.name or m.family for m in related))
        service = next((m.entity.service for m in related if m.entity.service), None)
        namespace = next((m.alert.labels.get("namespace") for m in related if m.alert.labels.get("namespace")), None)
        out.append(suggest(cause.entity, cause.kind, names, service, namespace))
    return tuple(out)


def snapshot(
    inc: IncidentState, topology: Topology, baseline: AlertBaseline, config: RankingConfig | None = None
) -> IncidentSnapshot:
    members = inc.members
    meaningful = [m for m in members if not m.low_value] or members
    causes = tuple(rank_causes(members, topology, baseline, config, recorded=inc.recorded))
    radius, services = _blast_radius(meaningful)
    rank = max((m.alert.severity_rank for m in meaningful), default=2)
    if services >= 3 and not inc.noise:
        rank = 4
    severity = SEVERITY_NAMES.get(min(rank, 4), "warning")
    status = "firing" if inc.firing > 0 else "resolved"
    priority = rank * (1 + math.log2(1 + services)) * (1.0 if status == "firing" else 0.5)
    ordered = sorted(members, key=lambda m: m.first_at)
    timeline = tuple(
        TimelineEntry(m.first_at, m.entity.id, m.alert.name or m.family, "firing" if m.firing else "resolved")
        for m in ordered[:TIMELINE_LIMIT]
    )
    flapping = tuple(sorted({f"{m.alert.name or m.family} on {m.entity.id}" for m in members if m.flapping}))
    return IncidentSnapshot(
        id=inc.id,
        status=status,
        noise=inc.noise,
        opened_at=inc.opened_at,
        last_at=inc.last_at,
        alerts=tuple(sorted(inc.events)),
        alert_count=len(members),
        firing=inc.firing,
        severity=severity,
        priority=0.0 if inc.noise else priority,
        causes=causes,
        blast_radius=radius,
        affected_services=services,
        flapping=flapping,
        timeline=timeline,
        actions=_actions(causes, members),
        summary=_summary(inc, causes, radius, services, status),
    )


def _summary(inc: IncidentState, causes: Sequence[Cause], radius: Sequence[str], services: int, status: str) -> str:
    entities = len({m.entity.id for m in inc.members})
    text = (
        f"{len(inc.members)} alert{'s' if len(inc.members) != 1 else ''} on {entities} "
        f"entit{'ies' if entities != 1 else 'y'} ({services} service{'s' if services != 1 else ''}) "
        f"since {_iso(inc.opened_at)}, {status}"
    )
    if causes:
        top = causes[0]
        text += f"; probable cause {top.entity} ({top.kind}): {top.evidence}"
    return text + "."


def by_size(snapshots: Sequence[IncidentSnapshot]) -> list[IncidentSnapshot]:
    """Largest first (distinct alerts, then notifications), ties by earliest start."""
    return sorted(snapshots, key=lambda s: (-s.alert_count, -len(s.alerts), s.opened_at, s.id))


__all__ = ["SEVERITY_RANK", "IncidentSnapshot", "TimelineEntry", "by_size", "snapshot"]
