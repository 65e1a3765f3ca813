"""`opsgraph doctor`: is this configuration going to work? One line per check, with the fix."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(
        json_out: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
        timeout: Annotated[float, typer.Option(help="seconds each check may take", min=0.1, max=60)] = 3.0,
    ) -> None:
        """Check the configuration end to end and say what to fix (exit 1 when a check fails).

        Cluster and RBAC, database, policy, MLflow, model endpoint, Slack tokens, terraform and its
        provider mirror, Prometheus/Alertmanager, tracing; each within --timeout seconds."""
        from opsgraph.agent.settings import Settings
        from opsgraph.channels.doctor import run_checks
        from opsgraph.channels.doctor.checks import CHECKS, prepare
        from opsgraph.channels.doctor.model import Doctor

        prepare()
        results = run_checks(CHECKS, Doctor(Settings(), timeout))
        failed = any(r.status == "fail" for r in results)
        if json_out:
            from opsgraph.channels.cli._output import print_json

            print_json({"ok": not failed, "checks": [r.as_dict() for r in results]})
        else:
            width = max(len(r.name) for r in results)
            for r in results:
                line = f"{r.status:<4}  {r.name:<{width}}  {r.detail}"
                typer.echo(line + (f"\n      {'':<{width}}  fix: {r.fix}" if r.fix and r.status != "ok" else ""))
        raise typer.Exit(1 if failed else 0)
