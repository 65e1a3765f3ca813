"""Carry out a rebalancing plan through the Kubernetes API, one verified step at a time.

cordon -> the node reports `spec.unschedulable`; move -> the pod is evicted (the Eviction API, so
disruption budgets are enforced by the API server; a 429 is retried until the step times out),
the source node is cordoned for the duration when the plan keeps it, and the step waits until the
controller's replacement runs on another node; scale_to_zero -> the deployment's scale; release ->
the node holds no GPU pod. The first failure stops the run; the report says what was done and how
to undo it. Re-running is safe: the plan is recomputed from the cluster as it is now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsgraph.tools.errors import Conflict, NotFound, ToolError
from opsgraph.tools.gpu._client import GpuApi
from opsgraph.tools.gpu.model import is_gpu_resource
from opsgraph.tools.gpu.plan import Action, RebalancePlan

APPLIED_KINDS = ("scale_to_zero", "cordon", "move", "release")
POLL_S = 0.2


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    undo: list[str] = field(default_factory=list)
    failed: str | None = None
    landed: dict[str, str] = field(default_factory=dict)  # moved pod -> node its replacement runs on

    def to_json(self) -> dict[str, Any]:
        return {"done": self.done, "failed": self.failed, "undo": list(reversed(self.undo)), "landed": self.landed}

    def render(self) -> str:
        lines = [f"{len(self.done)} step(s) done" + (f"; stopped: {self.failed}" if self.failed else "")]
        lines += [f"  ok  {d}" for d in self.done[-10:]]
        if self.failed and self.undo:
            lines.append("to undo what was done: " + "; ".join(reversed(self.undo)))
        return "\n".join(lines)


def unsupported(plan: RebalancePlan) -> list[Action]:
    return [a for a in plan.actions if a.kind not in APPLIED_KINDS]


class Executor:
    def __init__(self, api: GpuApi, *, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.api = api
        self.timeout_s = timeout_s
        self.clock = clock

    def run(self, plan: RebalancePlan) -> ApplyReport:
        report = ApplyReport()
        cordoned_for_moves: list[str] = []
        freed = {a.target for a in plan.actions if a.kind == "cordon"}
        for action in plan.actions:
            try:
                if action.kind == "cordon":
                    self._cordon(action.target, report)
                elif action.kind == "scale_to_zero":
                    self._scale_to_zero(action, report)
                elif action.kind == "move":
                    source = action.params["from"]
                    keeps_pods = source not in freed and source not in cordoned_for_moves
                    if keeps_pods and self._cordon(source, report, temporary=True):
                        cordoned_for_moves.append(source)
                    self._move(action, report)
                elif action.kind == "release":
                    self._check_empty(action.target, report)
                else:
                    raise Conflict(f"{action.kind} is not applied automatically")
            except ToolError as exc:
                report.failed = f"{action.kind} {action.target}: {exc.message}"
                break
        for node in cordoned_for_moves:
            try:
                self.api.patch_node(node, {"spec": {"unschedulable": None}})
                report.done.append(f"uncordon {node} (it keeps pods)")
                report.undo = [u for u in report.undo if u != f"uncordon {node}"]
            except ToolError as exc:
                report.failed = report.failed or f"uncordon {node}: {exc.message}"
        return report

    # -- steps ---------------------------------------------------------------------------------
    def _cordon(self, node: str, report: ApplyReport, *, temporary: bool = False) -> bool:
        current = self.api.node(node)
        if (current.get("spec") or {}).get("unschedulable"):
            if not temporary:
                report.done.append(f"cordon {node} (already cordoned)")
            return False
        self.api.patch_node(node, {"spec": {"unschedulable": True}})
        if not (self.api.node(node).get("spec") or {}).get("unschedulable"):
            raise Conflict(f"{node} did not become unschedulable")
        report.done.append(f"cordon {node}" + (" while its pods move" if temporary else ""))
        report.undo.append(f"uncordon {node}")
        return True

    def _scale_to_zero(self, action: Action, report: ApplyReport) -> None:
        namespace, name = action.params["namespace"], action.params["name"]
        before = int((self.api.deployment(namespace, name).get("spec") or {}).get("replicas", 0))
        self.api.scale(namespace, name, 0)
        report.done.append(f"scale {namespace}/{name} {before} -> 0")
        if before:
            report.undo.append(f"scale {namespace}/{name} back to {before}")

    def _move(self, action: Action, report: ApplyReport) -> None:
        namespace, name, source = action.params["namespace"], action.params["pod"], action.params["from"]
        try:
            pod = self.api.pod(namespace, name)
        except NotFound:
            report.done.append(f"move {namespace}/{name}: already gone (an earlier run moved it)")
            return
        if (pod.get("spec") or {}).get("nodeName") != source:
            report.done.append(f"move {namespace}/{name}: no longer on {source}, nothing to do")
            return
        owner = _controller(pod)
        before = {p["metadata"]["name"] for p in self._siblings(namespace, owner)}
        deadline = self.clock() + self.timeout_s
        while True:
            try:
                self.api.evict(namespace, name)
                break
            except ToolError as exc:
                if "disruption budget" not in exc.message.lower() or self.clock() > deadline:
                    raise
                time.sleep(POLL_S * 5)  # the budget frees up as replacements become ready
        landed = self._wait_replacement(namespace, owner, before, source, deadline)
        planned = action.params["to"]
        note = "as planned" if landed == planned else f"the scheduler chose {landed}, the plan said {planned}"
        report.done.append(f"move {namespace}/{name}: evicted from {source}; replacement running on {landed} ({note})")
        report.landed[f"{namespace}/{name}"] = landed

    def _siblings(self, namespace: str, owner: str) -> list[dict[str, Any]]:
        return [p for p in self.api.cluster.pods(namespace) if _controller(p) == owner]

    def _wait_replacement(self, namespace: str, owner: str, before: set[str], source: str, deadline: float) -> str:
        while self.clock() < deadline:
            for pod in self._siblings(namespace, owner):
                md, spec = pod["metadata"], pod.get("spec") or {}
                if md["name"] in before or md.get("deletionTimestamp"):
                    continue
                node = spec.get("nodeName")
                if node and node != source and (pod.get("status") or {}).get("phase") == "Running":
                    return str(node)
            time.sleep(POLL_S)
        raise Conflict(
            f"no replacement of {owner} is running elsewhere after {self.timeout_s:g}s",
            hint="look at the pending pod's events: the scheduler may not find room",
        )

    def _check_empty(self, node: str, report: ApplyReport) -> None:
        left = [
            p["metadata"]["name"]
            for p in self.api.cluster.pods(None)
            if (p.get("spec") or {}).get("nodeName") == node
            and not p["metadata"].get("deletionTimestamp")
            and any(is_gpu_resource(k) for c in p["spec"].get("containers") or [] for k in _resources(c))
        ]
        if left:
            raise Conflict(f"{node} still holds GPU pods: {', '.join(sorted(left)[:5])}")
        report.done.append(f"{node} holds no GPU pod: ready to scale down")


def _controller(pod: dict[str, Any]) -> str:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind')}/{ref.get('name')}"
    return f"Pod/{pod['metadata']['name']}"


def _resources(container: dict[str, Any]) -> list[str]:
    resources = container.get("resources") or {}
    return [*(resources.get("requests") or {}), *(resources.get("limits") or {})]
