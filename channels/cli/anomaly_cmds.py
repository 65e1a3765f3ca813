"""`opsgraph anomaly detect SERIES.csv` and `opsgraph anomaly scan QUERY`.

Module level imports only typer and the standard library (fast `opsgraph --help`); numpy,
scikit-learn and httpx are imported inside the commands.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="anomaly", help="Find anomalies in metric series.", no_args_is_help=True, add_completion=False
    )

    @group.command("detect")
    def detect_command(
        series: Annotated[Path, typer.Argument(help="CSV file with columns timestamp,value")],
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
        threshold: Annotated[
            float | None, typer.Option(min=0.0, max=1.0, help="alarm threshold on the score (default 0.5)")
        ] = None,
    ) -> None:
        """Score every row of a series in order (streaming); flag anomalies."""
        from dataclasses import replace

        from opsgraph.tools.anomaly.detector import DetectorConfig
        from opsgraph.tools.anomaly.scan import scan
        from opsgraph.tools.anomaly.series import SeriesError, read_csv

        try:
            data = read_csv(series)
        except SeriesError as exc:
            die(str(exc))
        config = DetectorConfig() if threshold is None else replace(DetectorConfig(), threshold=threshold)
        result = scan(data, config)
        if as_json:
            points = [
                {"timestamp": label, "score": round(score, 6), "anomaly": flag}
                for label, score, flag in zip(data.labels, result.scores, result.flags, strict=True)
            ]
            print_json({"points": points})
            return
        flagged = sum(result.flags)
        typer.echo(f"{series}: {len(data)} points, {flagged} anomalous")
        typer.echo(result.summary(limit=10))

    @group.command("scan")
    def scan_command(
        query: Annotated[str, typer.Argument(help="PromQL expression or metric name")],
        window: Annotated[str, typer.Option(help="report anomalies in this much recent time")] = "6h",
        baseline: Annotated[str, typer.Option(help="history before the window to learn from")] = "1d",
        step: Annotated[str | None, typer.Option(help="query resolution, e.g. 1m")] = None,
        end: Annotated[datetime | None, typer.Option(help="end of the window (default: now)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Scan a Prometheus metric (needs OPSGRAPH_PROMETHEUS_URL)."""
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.anomaly import tools  # noqa: F401  (registers anomaly_scan)
        from opsgraph.tools.context import ToolContext
        from opsgraph.tools.registry import REGISTRY

        settings = Settings()
        args: dict[str, object] = {"query": query, "window": window, "baseline": baseline}
        if step is not None:
            args["step"] = step
        if end is not None:
            args["end"] = end.isoformat()
        result = REGISTRY.call("anomaly_scan", args, ToolContext(settings, actor=settings.user))
        if as_json:
            print_json(result.model_dump(mode="json"))
        elif result.status == "error":
            die(result.text, code=1)
        else:
            typer.echo(result.text)
        if result.status == "error":
            raise typer.Exit(1)

    app.add_typer(group)
