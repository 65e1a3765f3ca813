"""dcgm-exporter, as reached through the API server's service proxy
(`GET /api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/metrics`):
Prometheus text with `DCGM_FI_DEV_GPU_UTIL` and `DCGM_FI_DEV_FB_USED` per GPU of every running GPU
pod, from the scenario's `gpu_metrics` (pods it does not name report 0% and 0 MiB, as an idle GPU
does). Whole GPUs get one series each; a MIG slice gets one with its GPU instance profile."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from . import errors
from .meta import Obj
from .scenario import GpuMetric
from .scheduler import pod_requests

if TYPE_CHECKING:
    from .cluster import Cluster

PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/services/([^/:]+)(?::(\d+))?/proxy(/.*)?$")
SERVICE = ("gpu-operator", "nvidia-dcgm-exporter")
HELP = (
    "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
    "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n"
)


def proxy(cluster: Cluster, method: str, path: str) -> bytes | None:
    """The exporter's /metrics for the dcgm-exporter service path; None for any other path."""
    match = PATH.match(unquote(path))  # clients send the "name:port" colon as %3A
    if match is None:
        return None
    namespace, service, _, rest = match.groups()
    if (namespace, service) != SERVICE:
        raise errors.not_found("services", "", service)
    if method != "GET" or (rest or "/") != "/metrics":
        raise errors.path_not_found()
    with cluster.store.lock:
        pods = cluster.store.sorted_items("pods")
        nodes = {n["metadata"]["name"]: n for n in cluster.store.items("nodes")}
    return render(pods, nodes, cluster.scenario.gpu_metrics).encode()


def render(pods: list[Obj], nodes: dict[str, Obj], metrics: list[GpuMetric]) -> str:
    lines = [HELP.rstrip("\n")]
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or (pod.get("status") or {}).get("phase") != "Running" or node not in nodes:
            continue
        wanted = pod_requests(pod.get("spec") or {})
        devices = [(r, int(v)) for r, v in wanted.items() if r == "nvidia.com/gpu" or r.startswith("nvidia.com/mig-")]
        if not devices:
            continue
        md = pod["metadata"]
        found = next(
            (m for m in metrics if m.namespace == md["namespace"] and md["name"].startswith(f"{m.workload}-")), None
        )
        util = found.util_pct if found else 0.0
        fb = found.fb_used_mib if found else 0.0
        product = (nodes[node]["metadata"].get("labels") or {}).get("nvidia.com/gpu.product", "")
        index = 0
        for resource, count in devices:
            for _ in range(count):
                labels = {
                    "gpu": str(index),
                    "UUID": f"GPU-{md['uid'][:8]}-{index}",
                    "device": f"nvidia{index}",
                    "modelName": product.replace("-", " "),
                    "Hostname": node,
                    "container": pod["spec"]["containers"][0]["name"],
                    "namespace": md["namespace"],
                    "pod": md["name"],
                }
                if resource.startswith("nvidia.com/mig-"):
                    labels |= {"GPU_I_PROFILE": resource.removeprefix("nvidia.com/mig-"), "GPU_I_ID": str(index)}
                text = ",".join(f'{k}="{v}"' for k, v in labels.items())
                lines.append(f"DCGM_FI_DEV_GPU_UTIL{{{text}}} {util:g}")
                lines.append(f"DCGM_FI_DEV_FB_USED{{{text}}} {fb:g}")
                index += 1
    return "\n".join(lines) + "\n"
