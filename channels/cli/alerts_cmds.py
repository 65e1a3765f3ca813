"""`opsgraph alerts correlate FILE... [--topology T] [--json]`: alerts into incidents;
`opsgraph alerts incidents [--json]`: the incidents `opsgraph serve` keeps, each with its runbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    alerts = typer.Typer(help="Correlate Alertmanager alerts into incidents.", no_args_is_help=True)
    app.add_typer(alerts, name="alerts")

    @alerts.command("correlate")
    def correlate(
        files: Annotated[list[Path], typer.Argument(help="JSON list of Alertmanager v2 alerts, or a webhook payload")],
        topology: Annotated[
            Path | None, typer.Option("--topology", "-t", help="topology file (JSON or YAML), see DESIGN.md")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document per file on stdout")] = False,
    ) -> None:
        """Group alerts into incidents with ranked probable root causes, largest incident first."""
        from opsgraph.tools.alerts.batch import correlate_alerts, read_alerts
        from opsgraph.tools.alerts.payloads import PayloadError
        from opsgraph.tools.alerts.topology import EMPTY, load_topology

        try:
            graph = load_topology(topology) if topology is not None else EMPTY
            batches = [read_alerts(path) for path in files]
        except PayloadError as exc:
            die(str(exc))
        for path, batch in zip(files, batches, strict=True):
            incidents = correlate_alerts(batch, graph)
            if as_json:
                print_json({"incidents": [i.contract() for i in incidents]})
            else:
                _print_table(path, len(batch), [i.contract() for i in incidents])

    @alerts.command("incidents")
    def incidents_command(
        show_all: Annotated[bool, typer.Option("--all", help="resolved and noise incidents too")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """The incidents the webhook receiver correlated (open ones, largest first), with their runbook."""
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.alerts.store import AlertStore
        from opsgraph.tools.alerts.tools import NO_STORE, with_runbook

        path = Settings().alerts_db
        if not path.exists():
            die(NO_STORE, code=1)
        store = AlertStore(path)
        try:
            stored = store.incidents()
        finally:
            store.close()
        shown = [i for i in stored if show_all or (i["status"] == "firing" and not i["noise"])]
        shown = [with_runbook(i) for i in sorted(shown, key=lambda i: (-i["alert_count"], i["opened_at"], i["id"]))]
        if as_json:
            print_json({"incidents": shown})
            return
        if not shown:
            typer.echo("no open incidents" + ("" if show_all else " (--all shows resolved ones)"))
        for inc in shown:
            typer.echo(
                f"{inc['id']} [{inc['severity']}, {inc['status']}] {inc['alert_count']} alerts: {inc['summary']}"
            )
            runbook = inc.get("runbook")
            typer.echo(f"  {runbook['line'] if runbook else 'Runbook: none matches its alerts'}")


def _print_table(path: Path, count: int, incidents: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    from opsgraph.core.text import plural

    table = Table(title=f"{path}: {plural(count, 'alert')} -> {plural(len(incidents), 'incident')}")
    for column in ("incident", "alerts", "severity", "probable causes (score)"):
        table.add_column(column, overflow="fold")
    for inc in incidents:
        causes = "\n".join(f"{c['entity']} ({c['kind']}) {c['score']:.2f}" for c in inc["probable_causes"][:3])
        table.add_row(inc["id"], str(len(inc["alerts"])), inc["severity"], causes)
    console.print(table)
    for inc in incidents:
        console.print(f"{inc['id']}: {inc['summary']}", markup=False, highlight=False)
