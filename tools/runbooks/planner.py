"""Arguments for runbook_search: the message itself is the query; alert names and a named workload
(its namespace fills the suggested actions) are picked out of it."""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, PlannedCall

Built = tuple[list[PlannedCall], str]
_ALERT = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b")  # CamelCase, as alert rules name them


def build_runbook_search(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    text = ents.text.strip()
    args: dict[str, Any] = {"query": text}
    alerts = list(dict.fromkeys(_ALERT.findall(text)))
    if alerts:
        args["alerts"] = alerts
    if ents.workloads:
        name = ents.workloads[0]
        homes = inv.namespaces_of(name)
        namespace = ents.namespaces[0] if ents.namespaces else (homes[0] if len(homes) == 1 else None)
        args["name"] = name
        if namespace:
            args["namespace"] = namespace
    return [PlannedCall("runbook_search", args)], "Looking up the runbooks for that."


BUILDERS = {"runbook_search": build_runbook_search}
