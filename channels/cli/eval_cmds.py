"""`opsgraph eval SUITE`: run an eval suite and print its metrics against thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        suite: Annotated[str, typer.Argument(help="suite name, or 'all'")],
        data: Annotated[Path | None, typer.Option(help="public data dir (default ../shared/data)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Run an eval suite; exit 1 when a metric misses its threshold."""
        from opsgraph.evals.base import run_suite, suites

        if data is not None and not data.is_dir():
            die(f"--data {data}: no such directory (it should hold the public data, e.g. ../shared/data)")
        known = suites()
        names = sorted(known) if suite == "all" else [suite]
        unknown = [n for n in names if n not in known]
        if unknown:
            die(f"unknown eval suite {unknown[0]!r}; choose one of: {', '.join(sorted(known)) or '(none)'}")
        reports = [run_suite(n, data) for n in names]
        if as_json:
            print_json([r.model_dump() | {"passed": r.passed} for r in reports])
        else:
            for report in reports:
                _print_report(report)
        if any(not r.passed and r.skipped is None for r in reports):
            raise typer.Exit(1)


def _print_report(report: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from opsgraph.evals.base import EvalReport

    assert isinstance(report, EvalReport)
    console = Console()
    if report.skipped:
        console.print(f"[yellow]{report.suite}: skipped[/] ({report.skipped})")
        return
    table = Table(title=f"eval: {report.suite}")
    for col in ("metric", "value", "threshold", "pass", "published anchors"):
        table.add_column(col)
    for m in report.metrics:
        table.add_row(
            m.name,
            f"{m.value:.4f}",
            "" if m.threshold is None else f"{'>=' if m.higher_is_better else '<='} {m.threshold}",
            "yes" if m.passed else "NO",
            m.anchor or "",
        )
    console.print(table)
