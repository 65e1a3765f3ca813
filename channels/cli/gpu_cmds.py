"""`opsgraph gpu status` and `opsgraph gpu plan`: where GPU money goes, and a packing that frees
nodes, from a `kubectl get nodes,pods -A -o json` snapshot (plus DCGM metrics) or the cluster.

Module level imports only typer and the standard library (fast `opsgraph --help`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json

_SNAPSHOT_HELP = "output of `kubectl get nodes,pods -A -o json` (add `pdb` to respect disruption budgets)"
_METRICS_HELP = "DCGM metrics: a Prometheus query response (JSON) or dcgm-exporter's /metrics text"


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="gpu", help="GPU cost, utilisation and rebalancing plans.", no_args_is_help=True, add_completion=False
    )

    @group.command("plan")
    def plan_command(
        snapshot: Annotated[Path | None, typer.Option("--snapshot", help=_SNAPSHOT_HELP)] = None,
        metrics: Annotated[Path | None, typer.Option("--metrics", help=_METRICS_HELP)] = None,
        objectives: Annotated[
            str | None,
            typer.Option(help="comma-separated order, from free_nodes,defragment,right_size,scale_to_zero"),
        ] = None,
        details: Annotated[bool, typer.Option("--details", help="with --json: params, gap, pods not moved")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Plan a packing that frees GPU nodes; nothing is changed."""
        from opsgraph.tools.gpu.plan import make_plan, render_plan

        order = _objectives(objectives)
        snap, usage, settings = _inputs(snapshot, metrics)
        plan = make_plan(snap, usage, settings, order)
        if as_json:
            print_json(plan.details() if details else plan.to_json())
        else:
            typer.echo(render_plan(plan, limit=40))

    @group.command("status")
    def status_command(
        snapshot: Annotated[Path | None, typer.Option("--snapshot", help=_SNAPSHOT_HELP)] = None,
        metrics: Annotated[Path | None, typer.Option("--metrics", help=_METRICS_HELP)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """GPU nodes, allocation vs use, idle and fragmented GPUs, cost per hour."""
        from opsgraph.tools.gpu.report import gpu_status, render_status

        snap, usage, settings = _inputs(snapshot, metrics)
        status = gpu_status(snap, usage, settings)
        if as_json:
            print_json(status.to_json())
        else:
            typer.echo(render_status(status, limit=40))

    app.add_typer(group)


def _objectives(raw: str | None) -> list[Any] | None:
    if raw is None:
        return None
    from opsgraph.tools.gpu.settings import OBJECTIVES

    names = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown or len(set(names)) != len(names) or not names:
        die(f"--objectives: give distinct names from {', '.join(OBJECTIVES)} (got {raw!r})")
    return names


def _inputs(snapshot: Path | None, metrics: Path | None) -> tuple[Any, Any, Any]:
    from pydantic import ValidationError

    from opsgraph.tools.gpu.metrics import MetricsError, Utilisation, load_metrics_file
    from opsgraph.tools.gpu.settings import GpuSettings
    from opsgraph.tools.gpu.snapshot import SnapshotError, load_snapshot

    try:
        settings = GpuSettings()
    except ValidationError as exc:
        die(f"GPU settings (OPSGRAPH_GPU_*): {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
    if snapshot is None:
        return _from_cluster(settings, metrics)
    try:
        snap = load_snapshot(snapshot)
        path = metrics or settings.metrics_file
        usage = load_metrics_file(path) if path else Utilisation()
    except (SnapshotError, MetricsError) as exc:
        die(str(exc))
    return snap, usage, settings


def _from_cluster(settings: Any, metrics: Path | None) -> tuple[Any, Any, Any]:
    from opsgraph.agent.services import cluster_factory
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.errors import ToolError
    from opsgraph.tools.gpu.sources import read_cluster, read_usage

    core = Settings()
    if metrics is not None:
        settings = settings.model_copy(update={"metrics_file": metrics})
    try:
        cluster = cluster_factory(core)()
        snap = read_cluster(cluster)
        usage = read_usage(core, settings, cluster)
    except ToolError as exc:
        die(exc.message + (f" ({exc.hint})" if exc.hint else ""), code=1)
    return snap, usage, settings
