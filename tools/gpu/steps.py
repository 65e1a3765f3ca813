"""A plan's actions as the steps apply carries out, in order, each small and safe to repeat.

A MIG or time-slicing conversion of node N comes first and becomes the NVIDIA GPU operator's procedure: (for
time-slicing, an entry in the device plugin's ConfigMap), cordon N, drain its GPU pods through
the Eviction API, set the node label the operator reacts to and wait for the node to advertise
the new resources, taint N so whole-GPU pods stay off, uncordon. Then each converted Deployment's
template is patched to request the slice and to select the converted nodes, and its rollout
must end with every replica Running there. Then the nodes the plan empties are cordoned and the
whole-GPU pods move (their source cordoned meanwhile when it keeps pods), then the checks that
freed nodes hold no GPU pod, and a last check that every workload the plan touched runs all its
replicas.

The list depends only on the plan, so a resumed run numbers its steps as the first run did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SHARED_TAINT = {"key": "nvidia.com/gpu.shared", "value": "true", "effect": "NoSchedule"}
MIG_LABEL = "nvidia.com/mig.config"
PLUGIN_LABEL = "nvidia.com/device-plugin.config"


@dataclass(frozen=True)
class Step:
    kind: str
    target: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return f"{self.kind} {self.target}"


def expand(actions: list[dict[str, Any]]) -> list[Step]:
    """Steps for the plan's actions (`RebalancePlan.details()["actions"]`)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for action in actions:
        by_kind.setdefault(action["kind"], []).append(action)
    steps = [Step("scale_to_zero", a["target"], a["params"]) for a in by_kind.get("scale_to_zero", [])]
    freed = {a["target"] for a in by_kind.get("cordon", [])}
    converted: set[str] = set()
    retargets: dict[str, dict[str, Any]] = {}
    configs: set[str] = set()
    for action in by_kind.get("mig", []) + by_kind.get("time_slice", []):
        node, params = action["target"], action["params"]
        converted.add(node)
        if action["kind"] == "time_slice" and params["config"] not in configs:
            configs.add(params["config"])
            steps.append(Step("sharing_config", params["config"], {"config": params["config"],
                                                                    "replicas": params["replicas"]}))  # fmt: skip
        label = MIG_LABEL if action["kind"] == "mig" else PLUGIN_LABEL
        relabel = {"node": node, "label": label, "config": params["config"], "replicas": params.get("replicas")}
        steps += [
            Step("cordon", node, {"node": node}),
            Step("drain", node, {"node": node}),
            Step("mig_config" if action["kind"] == "mig" else "plugin_config", node, relabel),
            Step("taint", node, {"node": node, "taint": SHARED_TAINT}),
            Step("uncordon", node, {"node": node}),
        ]
        for workload in params["workloads"]:
            namespace, _, name = workload.partition("/Deployment/")
            retargets.setdefault(
                workload,
                {"namespace": namespace, "name": name, "kind": action["kind"], "label": label,
                 "config": params["config"], "resource": params.get("resource")},
            )  # fmt: skip
    steps += [Step("retarget", workload, params) for workload, params in sorted(retargets.items())]
    # Nodes the plan empties are cordoned after the conversions: until then they may take the
    # light pods a drain evicts (a disruption budget lets the drain go on only when they run).
    steps += [Step("cordon", a["target"], {"node": a["target"]}) for a in by_kind.get("cordon", [])]
    temporary: list[str] = []
    for action in by_kind.get("move", []):
        params = action["params"]
        if params.get("shared"):
            continue  # the retarget's rollout moves it
        source = params["from"]
        if source not in freed and source not in converted and source not in temporary:
            temporary.append(source)
            steps.append(Step("cordon", source, {"node": source, "temporary": True}))
        steps.append(Step("move", action["target"], params))
    steps += [Step("uncordon", node, {"node": node, "temporary": True}) for node in temporary]
    steps += [Step("release", a["target"], a["params"]) for a in by_kind.get("release", [])]
    touched = sorted(
        {f"{a['params']['namespace']}/{a['params']['workload']}" for a in by_kind.get("move", [])} | set(retargets)
    )
    if touched:
        steps.append(Step("verify", f"{len(touched)} workload(s)", {"workloads": touched}))
    return steps
