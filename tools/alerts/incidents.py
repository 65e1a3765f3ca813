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
from opsgraph.tools.alerts.correlator import IncidentState
from opsgraph.tools.alerts.digest import IncidentDigest, Related
from opsgraph.tools.alerts.model import SEVERITY_RANK
from opsgraph.tools.alerts.ranking import Cause, RankingConfig, rank_tally
from opsgraph.tools.alerts.topology import Topology

SEVERITY_NAMES = {0: "none", 1: "info", 2: "warning", 3: "error", 4: "critical"}


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


def _actions(causes: Sequence[Cause], digest: IncidentDigest) -> tuple[SuggestedAction, ...]:
    out = []
    for cause in causes[:3]:
        related = digest.related.get(cause.entity, _NOTHING)
        out.append(suggest(cause.entity, cause.kind, list(related.names), related.service, related.namespace))
    return tuple(out)


_NOTHING = Related()


def snapshot(
    inc: IncidentState,
    topology: Topology,
    baseline: AlertBaseline,
    config: RankingConfig | None = None,
    *,
    fresh: bool = False,
) -> IncidentSnapshot:
    """What the incident looks like now. Reads the incident's digest, kept up to date alert by
    alert once made (the first snapshot makes it from the members). `fresh` recomputes
    everything from the members and weighs every entity: the reference the kept digest and the
    pruned ranking must equal exactly (tests/alerts/test_alert_incremental.py)."""
    if fresh:
        digest = IncidentDigest.of(inc.members)
    else:
        if inc.digest is None:
            inc.digest = IncidentDigest.of(inc.members)
        digest = inc.digest
    causes = tuple(rank_tally(digest.tally, topology, baseline, config, recorded=inc.recorded, prune=not fresh))
    radius = digest.radius()
    entities = radius.entities()
    services = len(radius.services)
    rank = radius.rank if radius.rank >= 0 else 2
    if services >= 3 and not inc.noise:
        rank = 4
    severity = SEVERITY_NAMES.get(min(rank, 4), "warning")
    status = "firing" if inc.firing > 0 else "resolved"
    priority = rank * (1 + math.log2(1 + services)) * (1.0 if status == "firing" else 0.5)
    timeline = tuple(
        TimelineEntry(m.first_at, m.entity.id, m.alert.name or m.family, "firing" if m.firing else "resolved")
        for _, _, m in digest.timeline
    )
    return IncidentSnapshot(
        id=inc.id,
        status=status,
        noise=inc.noise,
        opened_at=inc.opened_at,
        last_at=inc.last_at,
        alerts=tuple(sorted(inc.events)),
        alert_count=len(inc.members),
        firing=inc.firing,
        severity=severity,
        priority=0.0 if inc.noise else priority,
        causes=causes,
        blast_radius=entities,
        affected_services=services,
        flapping=tuple(sorted(digest.flapping)),
        timeline=timeline,
        actions=_actions(causes, digest),
        summary=_summary(inc, len(digest.tally.entities), causes, entities, services, status),
    )


def _summary(
    inc: IncidentState, entities: int, causes: Sequence[Cause], radius: Sequence[str], services: int, status: str
) -> str:
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
