"""Carry out a rebalancing plan through the Kubernetes API, one journaled, verified step at a time.

The steps (`steps.expand`) run in order; before a step touches the cluster its `begin` is
written to the run's journal (fsync'd), after it is verified its `done` with what it found. A
step is idempotent: it looks at the cluster first and does only what is missing (a node already
cordoned, a label already set, a pod already gone, a template already patched), so a run
resumed after a crash redoes the step that had begun and skips those done. The first failure
stops the run; the report says what was done and how to undo it (including what an interrupted
run did before).

Step semantics: cordon -> `spec.unschedulable` is true; drain -> every GPU pod on the node is
evicted through the Eviction API (disruption budgets enforced by the API server; a 429 is
retried until the step times out) and gone; mig_config / plugin_config -> the node label the
GPU operator reacts to is set and the node advertises the new resources; taint -> the shared
taint is on the node; retarget -> the Deployment requests the slice and selects converted nodes,
and all its replicas run there; move -> the pod is evicted and its controller's replacement runs
on another node; release -> the node holds no GPU pod; verify -> every touched workload runs all
its replicas.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsgraph.tools.errors import Conflict, NotFound, ToolError
from opsgraph.tools.gpu import convert
from opsgraph.tools.gpu._client import GpuApi
from opsgraph.tools.gpu.journal import Run
from opsgraph.tools.gpu.model import GPU, is_gpu_resource
from opsgraph.tools.gpu.steps import Step

POLL_S = 0.2
StepResult = dict[str, Any]


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    undo: list[str] = field(default_factory=list)
    failed: str | None = None
    landed: dict[str, str] = field(default_factory=dict)  # moved pod -> node its replacement runs on
    resumed: int = 0  # steps found done in an interrupted run's journal

    def to_json(self) -> dict[str, Any]:
        return {"done": self.done, "failed": self.failed, "undo": list(reversed(self.undo)), "landed": self.landed,
                "resumed_steps": self.resumed}  # fmt: skip

    def render(self) -> str:
        head = f"{len(self.done)} step(s) done" + (f" ({self.resumed} by the interrupted run)" if self.resumed else "")
        lines = [head + (f"; stopped: {self.failed}" if self.failed else "")]
        lines += [f"  ok  {d}" for d in self.done[-12:]]
        if self.failed and self.undo:
            lines.append("to undo what was done: " + "; ".join(reversed(self.undo)))
        return "\n".join(lines)


class Executor:
    def __init__(
        self,
        api: GpuApi,
        *,
        timeout_s: float,
        time_slicing_configmap: str = "gpu-operator/time-slicing-config",
        on_step: Callable[[Step, StepResult], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.timeout_s = timeout_s
        self.configmap = time_slicing_configmap
        self.on_step = on_step
        self.clock = clock
        self._slice_resource: dict[str, str] = {}  # MIG config -> resource its nodes advertise
        self._cordoned: set[str] = set()  # nodes this run cordoned for moves (uncordoned after)

    def run(self, steps: list[Step], journal: Run) -> ApplyReport:
        report = ApplyReport()
        for index, step in enumerate(steps):
            if index in journal.done:
                result = journal.done[index]
                self._remember(step, result)
                report.done.append(f"{result.get('did', step.title)} (done before the interruption)")
                if result.get("undo"):
                    report.undo.append(result["undo"])
                report.resumed += 1
                continue
            journal.begin(index, step.title)
            try:
                result = self._do(step, report)
            except ToolError as exc:
                report.failed = f"{step.title}: {exc.message}"
                journal.end("failed", report.failed)
                if self.on_step is not None:
                    self.on_step(step, {"failed": exc.message})
                return report
            self._remember(step, result)
            journal.finish_step(index, step.title, result)
            if self.on_step is not None:
                self.on_step(step, result)
            report.done.append(str(result.get("did", step.title)))
            if result.get("undo"):
                report.undo.append(str(result["undo"]))
        journal.end("ok")
        return report

    def _remember(self, step: Step, result: StepResult) -> None:
        if step.kind == "mig_config" and result.get("resource"):
            self._slice_resource[step.params["config"]] = str(result["resource"])
        if step.kind == "cordon" and step.params.get("temporary") and result.get("cordoned"):
            self._cordoned.add(step.target)

    def _do(self, step: Step, report: ApplyReport) -> StepResult:
        p, deadline = step.params, self.clock() + self.timeout_s
        if step.kind == "scale_to_zero":
            return self._scale_to_zero(p)
        if step.kind == "cordon":
            return self._cordon(p["node"], temporary=bool(p.get("temporary")))
        if step.kind == "uncordon":
            return self._uncordon(p["node"], temporary=bool(p.get("temporary")))
        if step.kind == "drain":
            return convert.drain(self.api, p["node"], deadline, self.clock)
        if step.kind == "sharing_config":
            return convert.sharing_config(self.api, self.configmap, p["config"], int(p["replicas"]))
        if step.kind == "mig_config":
            return convert.mig_config(self.api, p["node"], p["config"], deadline, self.clock)
        if step.kind == "plugin_config":
            return convert.plugin_config(self.api, p["node"], p["config"], int(p["replicas"]), deadline, self.clock)
        if step.kind == "taint":
            return convert.taint(self.api, p["node"], p["taint"])
        if step.kind == "retarget":
            resource = self._slice_resource.get(p["config"], GPU) if p["kind"] == "mig" else GPU
            return convert.retarget(self.api, p, resource, deadline, self.clock)
        if step.kind == "move":
            return self._move(p, report, deadline)
        if step.kind == "release":
            return self._check_empty(step.target)
        if step.kind == "verify":
            return convert.verify(self.api, p["workloads"], deadline, self.clock)
        raise Conflict(f"{step.kind} is not a step apply knows")

    # -- steps ---------------------------------------------------------------------------------
    def _cordon(self, node: str, *, temporary: bool) -> StepResult:
        current = self.api.node(node)
        if (current.get("spec") or {}).get("unschedulable"):
            return {"did": f"cordon {node} (already cordoned)", "cordoned": False}
        self.api.patch_node(node, {"spec": {"unschedulable": True}})
        if not (self.api.node(node).get("spec") or {}).get("unschedulable"):
            raise Conflict(f"{node} did not become unschedulable")
        return {"did": f"cordon {node}" + (" while its pods move" if temporary else ""), "cordoned": True,
                "undo": f"uncordon {node}"}  # fmt: skip

    def _uncordon(self, node: str, *, temporary: bool) -> StepResult:
        if temporary and node not in self._cordoned:
            return {"did": f"leave {node} cordoned (it was before the plan)"}
        self.api.patch_node(node, {"spec": {"unschedulable": None}})
        if (self.api.node(node).get("spec") or {}).get("unschedulable"):
            raise Conflict(f"{node} is still unschedulable")
        return {"did": f"uncordon {node}" + (" (it keeps pods)" if temporary else "")}

    def _scale_to_zero(self, p: dict[str, Any]) -> StepResult:
        namespace, name = p["namespace"], p["name"]
        before = int((self.api.deployment(namespace, name).get("spec") or {}).get("replicas", 0))
        if before:
            self.api.scale(namespace, name, 0)
        return {"did": f"scale {namespace}/{name} {before} -> 0", "before": before,
                "undo": f"scale {namespace}/{name} back to {before}" if before else None}  # fmt: skip

    def _move(self, p: dict[str, Any], report: ApplyReport, deadline: float) -> StepResult:
        namespace, name, source = p["namespace"], p["pod"], p["from"]
        try:
            pod = self.api.pod(namespace, name)
        except NotFound:
            return {"did": f"move {namespace}/{name}: already gone (an earlier run moved it)"}
        if (pod.get("spec") or {}).get("nodeName") != source:
            return {"did": f"move {namespace}/{name}: no longer on {source}, nothing to do"}
        owner = convert.controller(pod)
        before = {x["metadata"]["name"] for x in self._siblings(namespace, owner)}
        convert.evict(self.api, namespace, name, deadline, self.clock)
        landed = self._wait_replacement(namespace, owner, before, source, deadline)
        note = "as planned" if landed == p["to"] else f"the scheduler chose {landed}, the plan said {p['to']}"
        report.landed[f"{namespace}/{name}"] = landed
        return {"did": f"move {namespace}/{name}: evicted from {source}; replacement running on {landed} ({note})",
                "landed": landed}  # fmt: skip

    def _siblings(self, namespace: str, owner: str) -> list[dict[str, Any]]:
        return [x for x in self.api.cluster.pods(namespace) if convert.controller(x) == owner]

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

    def _check_empty(self, node: str) -> StepResult:
        left = [
            p["metadata"]["name"]
            for p in self.api.cluster.pods(None)
            if (p.get("spec") or {}).get("nodeName") == node
            and not p["metadata"].get("deletionTimestamp")
            and any(is_gpu_resource(k) for c in p["spec"].get("containers") or [] for k in convert.resources_of(c))
        ]
        if left:
            raise Conflict(f"{node} still holds GPU pods: {', '.join(sorted(left)[:5])}")
        return {"did": f"{node} holds no GPU pod: ready to scale down"}
