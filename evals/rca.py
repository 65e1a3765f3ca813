"""Eval "rca": root-cause accuracy of the alert correlator on public fault-injection data.

For each system in ../shared/data/rca/ and each fault (in time order), the fault's alerts go through
a fresh `Correlator` with the system's topology; AC@k = the labelled root entity is among the top k
probable causes of the largest incident. The alert baseline (which signals are chronic) and the
learned entity aliases carry over from fault to fault, as they would in a long-running receiver:
each fault is ranked with what earlier faults taught, never with its own or later alerts, and no
label is ever read except to score. `cold` repeats the run with no history at all.

`ceiling` is the share of faults where the root entity (or one of its instances) has any alert at
all: no method that ranks alerting entities can do better.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from opsgraph.evals.base import EvalReport, Metric
from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.entities import EntityResolver
from opsgraph.tools.alerts.incidents import by_size, snapshot
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.payloads import parse_document
from opsgraph.tools.alerts.ranking import RankingConfig
from opsgraph.tools.alerts.topology import Topology, load_topology

SYSTEMS = ("micross", "online-boutique-1")
AC1_THRESHOLD = 0.8
AC3_THRESHOLD = 0.95
ANCHOR = "Nezha (multi-modal: metrics+logs+traces) on Online Boutique: AC@1 92.86%, AC@3 96.43%"


@dataclass(frozen=True)
class Fault:
    id: str
    level: str
    entity: str
    kind: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class SystemResult:
    system: str
    faults: int
    ac1: float
    ac3: float
    ceiling: float
    by_level: dict[str, tuple[int, int, int]]  # level -> (faults, hits@1, hits@3)


def load_faults(root: Path) -> tuple[Topology, list[Fault]]:
    topology = load_topology(root / "topology.json")
    by_fault = json.loads((root / "alerts_by_fault.json").read_text(encoding="utf-8"))
    with (root / "labels.csv").open(newline="", encoding="utf-8") as fh:
        labels = {row["fault_id"]: row for row in csv.DictReader(fh)}
    faults = []
    for fault_id, raw in by_fault.items():
        row = labels[fault_id]
        alerts = tuple(sorted(parse_document(raw) if raw else [], key=lambda a: a.starts_at))
        faults.append(Fault(fault_id, row["fault_level"], row["fault_entity"], row["fault_type"], alerts))
    faults.sort(key=lambda f: (f.alerts[0].starts_at if f.alerts else float("inf"), f.id))
    return topology, faults


def evaluate(
    system: str,
    topology: Topology,
    faults: list[Fault],
    *,
    history: bool = True,
    ranking: RankingConfig | None = None,
) -> SystemResult:
    baseline, resolver = AlertBaseline(), EntityResolver(topology)
    levels: dict[str, list[int]] = {}
    hits1 = hits3 = present = 0
    for fault in faults:
        correlator = Correlator(
            topology,
            baseline=baseline if history else AlertBaseline(),
            resolver=resolver if history else EntityResolver(topology),
        )
        correlator.ingest_many(fault.alerts)
        top: list[str] = []
        incidents = by_size(
            [snapshot(i, topology, correlator.baseline, ranking) for i in correlator.incidents()]
        )
        if incidents:
            top = [c.entity for c in incidents[0].causes[:3]]
        correlator.flush()
        targets = {fault.entity, *topology.instances(fault.entity)}
        present += any(s.entity.id in targets for i in correlator.incidents() for s in i.members)
        hit1, hit3 = top[:1] == [fault.entity], fault.entity in top
        hits1 += hit1
        hits3 += hit3
        row = levels.setdefault(fault.level, [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + hit1, row[2] + hit3
    n = max(1, len(faults))
    return SystemResult(
        system,
        len(faults),
        hits1 / n,
        hits3 / n,
        present / n,
        {k: (v[0], v[1], v[2]) for k, v in sorted(levels.items())},
    )


def run(data_dir: Path) -> EvalReport:
    root = data_dir / "rca"
    missing = [s for s in SYSTEMS if not (root / s / "alerts_by_fault.json").is_file()]
    if missing:
        return EvalReport(suite="rca", skipped=f"{root}: missing {', '.join(missing)}")
    metrics: list[Metric] = []
    details: dict[str, object] = {}
    for system in SYSTEMS:
        topology, faults = load_faults(root / system)
        warm = evaluate(system, topology, faults)
        cold = evaluate(system, topology, faults, history=False)
        anchor = ANCHOR if system.startswith("online-boutique") else None
        metrics += [
            Metric(name=f"{system}.AC@1", value=warm.ac1, threshold=AC1_THRESHOLD, anchor=anchor),
            Metric(name=f"{system}.AC@3", value=warm.ac3, threshold=AC3_THRESHOLD, anchor=anchor),
            Metric(name=f"{system}.AC@1 cold start (no history)", value=cold.ac1),
            Metric(name=f"{system}.ceiling (root entity alerts at all)", value=warm.ceiling),
        ]
        details[system] = {
            "faults": warm.faults,
            "empty_faults": sum(1 for f in faults if not f.alerts),
            "ceiling_root_has_alerts": round(warm.ceiling, 4),
            "cold_start": {"AC@1": round(cold.ac1, 4), "AC@3": round(cold.ac3, 4)},
            "by_level": {
                k: {"faults": v[0], "AC@1": round(v[1] / v[0], 4), "AC@3": round(v[2] / v[0], 4)}
                for k, v in warm.by_level.items()
            },
            "fault_types": dict(Counter(f.kind for f in faults).most_common()),
        }
    return EvalReport(suite="rca", metrics=metrics, details=details)
