"""Arguments for the alert tools: which alerts to list, which incident to show."""

from __future__ import annotations

from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.names import check_namespaces
from opsgraph.core.planning import SEVERITIES, Entities, PlannedCall

Built = tuple[list[PlannedCall], str]


def build_alerts_list(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    check_namespaces(ents, inv)
    args: dict[str, Any] = {}
    if ents.namespaces:
        args["namespace"] = ents.namespaces[0]
    if ents.workloads:
        args["service"] = ents.workloads[0]
    severity = next((s for s in SEVERITIES if ents.has_word(s)), None)
    if severity is None and ents.has_word("page", "paging", "pages"):
        severity = "critical"
    if severity:
        args["severity"] = severity
    scope = " ".join(
        filter(
            None,
            [
                severity,
                "alerts",
                f"for {args['service']}" if "service" in args else "",
                f"in {args['namespace']}" if "namespace" in args else "",
            ],
        )
    )
    return [PlannedCall("alerts_list", args)], f"List firing {scope}."


def build_incident_show(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    args = {"id": ents.incident} if ents.incident else {}
    which = ents.incident or "the largest open incident"
    return [PlannedCall("incident_show", args)], f"Show {which}: probable causes, blast radius, suggested fixes."


BUILDERS = {"alerts_list": build_alerts_list, "incident_show": build_incident_show}
