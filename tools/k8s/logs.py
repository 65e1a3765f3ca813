"""k8s_logs: the tail of a workload's pod logs. Log text is untrusted: anyone can write a log line."""

from __future__ import annotations

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import InvalidInput, NotFound
from opsgraph.tools.k8s._workloads import FIND_ACCESS, get_deployment, workload_pods
from opsgraph.tools.k8s.args import LogsArgs
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

MAX_PODS = 5


@REGISTRY.tool(
    "k8s_logs",
    args=LogsArgs,
    risk="read",
    description="Show the last lines of a deployment's pod logs (all pods, or one).",
    examples=("logs of checkout in prod", "last 100 lines from payments"),
    kube_access=(*FIND_ACCESS, KubeAccess("", "pods", ("list",)), KubeAccess("", "pods/log", ("get",))),
)
def k8s_logs(args: LogsArgs, ctx: ToolContext) -> ToolResult:
    _, view = get_deployment(ctx, args.namespace, args.name)
    pods = workload_pods(ctx, view)
    if args.pod:
        pods = [p for p in pods if p.name == args.pod]
        if not pods:
            raise NotFound(f"pod {args.pod!r} does not belong to {args.namespace}/{args.name}")
    if not pods:
        return results.no_data("k8s_logs", f"{args.namespace}/{args.name} has no pods right now", {"pods": []})
    if args.container and any(args.container not in p.containers for p in pods):
        raise InvalidInput(f"no container {args.container!r}", hint=f"containers: {', '.join(pods[0].containers)}")
    shown = pods[:MAX_PODS]
    per_pod = {
        p.name: ctx.cluster.pod_log(
            args.namespace, p.name, container=args.container, tail_lines=args.tail, previous=args.previous
        )
        for p in shown
    }
    sections = [f"== {name} ==\n{text.rstrip()}" for name, text in per_pod.items()]
    more = f"\n({len(pods) - len(shown)} more pods not shown)" if len(pods) > len(shown) else ""
    return results.ok("k8s_logs", "\n".join(sections) + more, {"logs": per_pod}, untrusted=True)
