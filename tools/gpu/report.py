"""Where GPU money goes: per node allocated vs used GPUs, memory, idle and fragmented GPUs, cost
per hour; per workload cost and the share of it paying for idle silicon; what a large job can get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsgraph.tools.gpu.metrics import Utilisation
from opsgraph.tools.gpu.model import GpuNode, GpuPod, Snapshot
from opsgraph.tools.gpu.settings import GpuSettings


@dataclass(frozen=True)
class NodeRow:
    name: str
    pool: str
    product: str
    gpus: int  # physical
    advertised: float  # nvidia.com/gpu allocatable (x replicas when time-sliced)
    mig: dict[str, float]
    sharing: str
    allocated: float  # whole GPUs requested by pods here
    busy: float | None  # GPUs' worth of measured SM use (sum util/100), None without metrics
    memory_used_mib: float | None
    memory_total_mib: int
    idle: float  # allocated GPUs measured at or below the idle threshold
    free: float
    usd_per_hour: float
    cordoned: bool
    pods: int

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Status:
    nodes: tuple[NodeRow, ...]
    workloads: tuple[dict[str, Any], ...]
    large_job_gpus: int
    large_job_fits_on: tuple[str, ...]
    largest_free_block: float
    fragmented_gpus: float  # free GPUs on nodes where a large job does not fit
    usd_per_hour: float
    usd_per_hour_idle: float
    utilisation_source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "workloads": list(self.workloads),
            "large_job": {
                "gpus": self.large_job_gpus,
                "fits_on": list(self.large_job_fits_on),
                "largest_free_block": self.largest_free_block,
            },
            "totals": {
                "gpu_nodes": len(self.nodes),
                "gpus": sum(n.gpus for n in self.nodes),
                "allocated": sum(n.allocated for n in self.nodes),
                "free": sum(n.free for n in self.nodes),
                "idle": sum(n.idle for n in self.nodes),
                "fragmented": self.fragmented_gpus,
                "usd_per_hour": round(self.usd_per_hour, 2),
                "usd_per_hour_idle": round(self.usd_per_hour_idle, 2),
            },
            "utilisation": self.utilisation_source,
        }


def gpu_status(snapshot: Snapshot, usage: Utilisation, settings: GpuSettings) -> Status:
    by_node: dict[str, list[GpuPod]] = {}
    for pod in snapshot.pods:
        if pod.node:
            by_node.setdefault(pod.node, []).append(pod)
    rows = [_row(n, by_node.get(n.name, []), usage, settings) for n in sorted(snapshot.gpu_nodes, key=lambda n: n.name)]
    size = settings.large_job_gpus
    open_rows = [r for r in rows if not r.cordoned]
    fits = tuple(r.name for r in open_rows if r.free >= size and r.sharing == "none")
    idle_cost = sum(r.usd_per_hour * (r.idle + r.free) / r.advertised if r.advertised else 0.0 for r in rows)
    return Status(
        nodes=tuple(rows),
        workloads=tuple(_workloads(snapshot, usage, settings)),
        large_job_gpus=size,
        large_job_fits_on=fits,
        largest_free_block=max((r.free for r in open_rows), default=0.0),
        fragmented_gpus=sum(r.free for r in open_rows if r.free < size),
        usd_per_hour=sum(r.usd_per_hour for r in rows),
        usd_per_hour_idle=idle_cost,
        utilisation_source=usage.source,
    )


def _row(node: GpuNode, pods: list[GpuPod], usage: Utilisation, settings: GpuSettings) -> NodeRow:
    allocated = sum(p.gpus for p in pods)
    measured = usage.gpus.get(node.name)
    busy = sum(u for u, _ in measured.values()) / 100 if measured else None
    memory = sum(fb for _, fb in measured.values()) if measured else None
    idle = 0.0
    for pod in pods:
        seen = usage.pods.get(pod.key)
        if seen is not None and seen.util_pct <= settings.idle_util_pct:
            idle += pod.gpus
    price = settings.price_per_gpu(node.product) * node.physical_gpus
    return NodeRow(
        name=node.name,
        pool=node.pool,
        product=node.product,
        gpus=node.physical_gpus,
        advertised=node.gpus,
        mig={k: v for k, v in node.mig_resources.items() if v},
        sharing=_sharing(node),
        allocated=allocated,
        busy=busy,
        memory_used_mib=memory,
        memory_total_mib=node.memory_mib * node.physical_gpus,
        idle=idle,
        free=max(node.gpus - allocated, 0.0),
        usd_per_hour=price,
        cordoned=node.unschedulable,
        pods=len(pods),
    )


def _sharing(node: GpuNode) -> str:
    if node.sharing != "none":
        return f"{node.sharing} x{node.replicas}"
    return f"mig {node.mig_config}" if node.mig_resources else "none"


def _workloads(snapshot: Snapshot, usage: Utilisation, settings: GpuSettings) -> list[dict[str, Any]]:
    nodes = {n.name: n for n in snapshot.gpu_nodes}
    rows: dict[str, dict[str, Any]] = {}
    for pod in snapshot.pods:
        node = nodes.get(pod.node or "")
        if node is None:
            continue
        share = pod.gpus / node.replicas if node.gpus else 0.0
        mig_share = sum(v / 7.0 for k, v in pod.gpu_resources.items() if k.startswith("nvidia.com/mig-"))
        gpus = share + mig_share
        cost = gpus * settings.price_per_gpu(node.product)
        seen = usage.pods.get(pod.key)
        row = rows.setdefault(
            f"{pod.namespace}/{pod.workload}",
            {"workload": f"{pod.namespace}/{pod.workload}", "pods": 0, "gpus": 0.0, "usd_per_hour": 0.0,
             "usd_per_hour_idle": 0.0, "util_pct": None},
        )  # fmt: skip
        row["pods"] += 1
        row["gpus"] += gpus
        row["usd_per_hour"] += cost
        if seen is not None:
            row["usd_per_hour_idle"] += cost * (1 - min(seen.util_pct, 100.0) / 100)
            weighted = (row["util_pct"] or 0.0) * (row["gpus"] - gpus) + seen.util_pct * gpus
            row["util_pct"] = weighted / row["gpus"] if row["gpus"] else seen.util_pct
    out = sorted(rows.values(), key=lambda r: -r["usd_per_hour"])
    for r in out:
        for key in ("gpus", "usd_per_hour", "usd_per_hour_idle", "util_pct"):
            if r[key] is not None:
                r[key] = round(r[key], 2)
    return out


def render_status(status: Status, limit: int = 12) -> str:
    lines = [
        f"{len(status.nodes)} GPU nodes, ${status.usd_per_hour:,.2f}/h; "
        f"${status.usd_per_hour_idle:,.2f}/h pays for idle or unallocated GPUs "
        f"(utilisation: {status.utilisation_source})",
        f"{'node':<22} {'product':<24} {'alloc':>5} {'busy':>5} {'free':>4} {'idle':>4} {'$/h':>8}",
    ]
    for r in status.nodes[:limit]:
        busy = "-" if r.busy is None else f"{r.busy:.1f}"
        flag = " (cordoned)" if r.cordoned else ""
        lines.append(
            f"{r.name:<22} {r.product[:24]:<24} {r.allocated:>5g} {busy:>5} {r.free:>4g} {r.idle:>4g} "
            f"{r.usd_per_hour:>8,.2f}{flag}"
        )
    if len(status.nodes) > limit:
        lines.append(f"... and {len(status.nodes) - limit} more nodes")
    if status.large_job_fits_on:
        lines.append(
            f"A job of {status.large_job_gpus} GPUs fits on {len(status.large_job_fits_on)} node(s): "
            f"{', '.join(status.large_job_fits_on[:5])}"
        )
    else:
        lines.append(
            f"A job of {status.large_job_gpus} GPUs fits nowhere: the largest free block is "
            f"{status.largest_free_block:g} GPUs; {status.fragmented_gpus:g} free GPUs are fragmented "
            "(`gpu_rebalance_plan` can gather them)"
        )
    top = sorted((w for w in status.workloads if w["usd_per_hour_idle"] > 0), key=lambda w: -w["usd_per_hour_idle"])[:3]
    if top:
        lines.append(
            "Most money on idle GPU time: "
            + "; ".join(f"{w['workload']} ${w['usd_per_hour_idle']:,.2f}/h" for w in top)
        )
    return "\n".join(lines)
