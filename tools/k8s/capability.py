"""Kubernetes workloads: status, logs, deploy, scale, roll back, restart."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="k8s",
    summary="Kubernetes workloads: status, logs, events, deploy, scale, roll back, restart",
    tool_modules=("opsgraph.tools.k8s.tools",),
    planner_module="opsgraph.tools.k8s.planner",
    intents=("opsgraph.tools.k8s", "intents.yaml"),
    playbooks_module="opsgraph.tools.k8s.playbooks",
    eval_suites=(("investigation", "opsgraph.evals.investigation:run"),),
)
