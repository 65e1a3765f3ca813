"""`opsgraph runbooks index|search|list`: the team's runbooks, indexed and searched."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    runbooks = typer.Typer(help="Index and search the team's runbooks.", no_args_is_help=True)
    app.add_typer(runbooks, name="runbooks")

    @runbooks.command("index")
    def index(
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Embed new and changed runbooks into the index (unchanged files are skipped)."""
        from opsgraph.tools.runbooks.search import Searcher

        state, dirs, shipped = _where()
        searcher, report = _guard(lambda: Searcher.open(state, dirs, shipped=shipped))
        summary = report.to_json() | {"runbooks": len(searcher.runbooks), "index": str(state)}
        if as_json:
            print_json(summary)
            return
        changed = report.added + report.updated
        typer.echo(
            f"{len(searcher.runbooks)} runbooks indexed in {state}: {len(report.added)} added, "
            f"{len(report.updated)} updated, {len(report.removed)} removed, {len(report.unchanged)} unchanged"
            + (f" ({', '.join(changed)})" if changed else "")
        )

    @runbooks.command("search")
    def search(
        query: Annotated[str, typer.Argument(help="symptom, question or alert name")],
        alert: Annotated[list[str] | None, typer.Option("--alert", "-a", help="an alert name (repeatable)")] = None,
        k: Annotated[int, typer.Option("-k", min=1, max=20, help="how many runbooks")] = 3,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Runbooks for a symptom or an alert, best first, with the section to read."""
        from opsgraph.tools.runbooks.search import Searcher

        if not query.strip() and not alert:
            die("the query is empty; describe the symptom or name an alert")
        state, dirs, shipped = _where()
        searcher, _ = _guard(lambda: Searcher.open(state, dirs, shipped=shipped))
        hits = [h.to_json() for h in searcher.search(query, k, alerts=alert or [])]
        if as_json:
            print_json({"results": hits})
            return
        if not hits:
            typer.echo("no runbook matches that")
        for i, h in enumerate(hits, start=1):
            alerts = f"  [{', '.join(h['alerts'])}]" if h["alerts"] else ""
            typer.echo(f"{i}. {h['runbook']} § {h['section']}  ({h['score']:.2f}){alerts}\n   {h['path']}")

    @runbooks.command("list")
    def list_runbooks(
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Every runbook opsgraph reads, with the alerts it answers (validates the files too)."""
        from opsgraph.tools.runbooks.documents import load_all

        _, dirs, shipped = _where()
        found = _guard(lambda: load_all(dirs, shipped=shipped))
        rows = [
            {"runbook": r.id, "title": r.meta.title, "alerts": list(r.alerts), "sections": len(r.sections),
             "actions": len(r.actions), "path": str(r.path)}
            for r in found
        ]  # fmt: skip
        if as_json:
            print_json({"runbooks": rows})
            return
        for row in rows:
            typer.echo(f"{row['runbook']:32} {', '.join(row['alerts'])}")


def _where() -> tuple[Path, list[Path], bool]:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.runbooks.search import index_dir_for
    from opsgraph.tools.runbooks.settings import RunbooksSettings

    config = RunbooksSettings()
    return index_dir_for(Settings().state_dir), list(config.dirs), config.shipped


def _guard(fn: Any) -> Any:
    """Bad runbook files or folders are the user's to fix: one line, no traceback."""
    from pydantic import ValidationError

    from opsgraph.tools.runbooks.documents import RunbookError

    try:
        return fn()
    except RunbookError as exc:
        die(str(exc))
    except ValidationError as exc:
        die(f"bad OPSGRAPH_RUNBOOKS_* setting: {exc.errors()[0]['msg']}")
