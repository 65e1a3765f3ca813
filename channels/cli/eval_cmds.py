"""`opsgraph eval [SUITE...] [--json] [--track] [--compare REF]`: run eval suites, print their
metrics against thresholds (evals/thresholds.yaml), keep their history in MLflow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        suite: Annotated[list[str] | None, typer.Argument(help="suite names, or 'all' (the default)")] = None,
        data: Annotated[Path | None, typer.Option(help="public data dir (default ../shared/data)")] = None,
        cases: Annotated[
            Path | None, typer.Option(help="investigation: a folder of case files (default: the shipped cases)")
        ] = None,
        tasks: Annotated[Path | None, typer.Option(help="iac: an IaC-Eval-format CSV of tasks")] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="iac: score at most N tasks of each part")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
        track: Annotated[
            bool, typer.Option("--track", help="log every suite's metrics to MLflow (run tagged with the git commit)")
        ] = False,
        compare: Annotated[
            str | None,
            typer.Option(
                "--compare",
                metavar="REF",
                help="show changes against an earlier tracked run: 'last', a run id, or a git ref/commit",
            ),
        ] = None,
    ) -> None:
        """Run eval suites; exit 1 when a metric misses its threshold."""
        from opsgraph.evals.base import SuiteOptionError, run_suite, suites

        if data is not None and not data.is_dir():
            die(f"--data {data}: no such directory (it should hold the public data, e.g. ../shared/data)")
        known = suites()
        names = sorted(known) if not suite or suite == ["all"] else list(dict.fromkeys(suite))
        unknown = [n for n in names if n not in known]
        if unknown:
            die(f"unknown eval suite {unknown[0]!r}; choose one of: {', '.join(sorted(known)) or '(none)'}")
        if compare is not None and not compare.strip():
            die("--compare needs a reference: 'last', a run id, or a git commit")
        inputs: dict[str, Path | int] = {k: v for k, v in {"cases": cases, "tasks": tasks}.items() if v is not None}
        for option, path in inputs.items():
            if isinstance(path, Path) and not path.exists():
                die(f"--{option} {path}: no such file or folder")
        if limit is not None:
            inputs["limit"] = limit
        try:
            reports = [run_suite(n, data, **inputs) for n in names]
        except SuiteOptionError as exc:
            die(str(exc))
        documents: list[dict[str, Any]] = [r.model_dump() | {"passed": r.passed} for r in reports]
        if track or compare:
            _history(reports, documents, track=track, compare=compare)
        if as_json:
            print_json(documents)
        else:
            for report, document in zip(reports, documents, strict=True):
                _print_report(report, document)
        if any(not r.passed and r.skipped is None for r in reports):
            raise typer.Exit(1)


def _history(reports: list[Any], documents: list[dict[str, Any]], *, track: bool, compare: str | None) -> None:
    """Compare first (so `--compare last --track` compares with the run before this one), then log."""
    from opsgraph.agent.settings import Settings
    from opsgraph.evals import tracking

    tracker = tracking.EvalTracker(Settings().ensure_state_dir())
    git = tracking.git_info()
    ran = [(r, d) for r, d in zip(reports, documents, strict=True) if r.skipped is None]
    if compare is not None:
        matched = 0
        for report, document in ran:
            past = tracker.find(report.suite, compare)
            document["compare"] = {"ref": compare, "found": past is not None}
            if past is not None:
                matched += 1
                document["compare"] |= {
                    "run_id": past.run_id,
                    "commit": past.commit,
                    "deltas": [d.to_json() for d in tracking.compare(report, past)],
                }
        if ran and not matched:
            die(f"no tracked run matches {compare!r} for {', '.join(r.suite for r, _ in ran)} "
                f"(store: {tracker.uri}); run with --track first")  # fmt: skip
    if track:
        for report, document in ran:
            document["tracked"] = {"run_id": tracker.log(report, git), "commit": git.commit, "store": tracker.uri}


def _print_report(report: object, document: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from opsgraph.evals.base import EvalReport

    assert isinstance(report, EvalReport)
    console = Console()
    if report.skipped:
        console.print(f"[yellow]{report.suite}: skipped[/] ({report.skipped})")
        return
    comparison = document.get("compare") or {}
    before = {d["name"]: d for d in comparison.get("deltas", [])}
    table = Table(title=f"eval: {report.suite}")
    columns = ["metric", "value", "threshold", "pass"]
    if before:
        columns += [f"before ({comparison['commit'][:8]})", "change"]
    for col in [*columns, "published anchors"]:
        table.add_column(col)
    for m in report.metrics:
        row = [
            m.name,
            f"{m.value:.4f}",
            "" if m.threshold is None else f"{'>=' if m.higher_is_better else '<='} {m.threshold}",
            "yes" if m.passed else "NO",
        ]
        if before:
            d = before.get(m.name, {})
            row += ["" if d.get("before") is None else f"{d['before']:.4f}", _change(d)]
        table.add_row(*row, m.anchor or "")
    console.print(table)
    if comparison and not comparison.get("found"):
        console.print(f"[yellow]{report.suite}: no tracked run matches {comparison['ref']!r}[/]")
    if "tracked" in document:
        console.print(f"tracked as MLflow run {document['tracked']['run_id']}", highlight=False)


def _change(delta: dict[str, Any]) -> str:
    if delta.get("change") is None:
        return delta.get("verdict", "")
    return f"{delta['change']:+.4f} {delta['verdict']}"
