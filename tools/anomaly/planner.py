"""Arguments for anomaly_scan: which workload or metric, which signal, how far back."""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Ask, Entities, PlannedCall

Built = tuple[list[PlannedCall], str]

SIGNAL_WORDS = {
    "cpu": "cpu", "processor": "cpu", "load": "cpu",
    "memory": "memory", "mem": "memory", "ram": "memory", "oom": "memory",
    "restart": "restarts", "restarts": "restarts", "crash": "restarts", "crashes": "restarts",
    "error": "errors", "errors": "errors", "5xx": "errors", "failures": "errors",
}  # fmt: skip
_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$")


def build_anomaly_scan(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    args: dict[str, Any] = {}
    signal = next((SIGNAL_WORDS[w] for w in ents.words if w in SIGNAL_WORDS), None)
    metric = next((w for w in ents.words if "_" in w and _METRIC.match(w)), None)
    if ents.window:
        args["window"] = ents.window
    if metric:
        args["query"] = metric
        what = metric
    else:
        name = ents.workloads[0] if ents.workloads else carried.get("name")
        if not name:
            raise Ask("Which workload or metric should I scan for anomalies?", "name", dict(args), tuple(inv.names))
        namespace = ents.namespaces[0] if ents.namespaces else carried.get("namespace")
        homes = inv.namespaces_of(name)
        if not namespace:
            if len(homes) != 1:
                raise Ask(f"Which namespace is {name} in: {' or '.join(homes)}?", "namespace",
                          {**args, "name": name}, tuple(homes))  # fmt: skip
            namespace = homes[0]
        args |= {"name": name, "namespace": namespace, "signal": signal or "cpu"}
        what = f"{namespace}/{name} {args['signal']}"
    return [PlannedCall("anomaly_scan", args)], f"Scan {what} for anomalies over the last {args.get('window', '6h')}."


BUILDERS = {"anomaly_scan": build_anomaly_scan}
