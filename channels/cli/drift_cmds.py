"""`opsgraph drift check`: data checks and drift of a CSV/Parquet file against a model's training
data (`--model`) or another file (`--reference`).

Module level imports only typer and the standard library; pandas, scipy and mlflow are imported
inside the command (mlflow only with --model)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="drift", help="Data checks and drift of current data.", no_args_is_help=True, add_completion=False
    )

    @group.command("check")
    def check_command(
        current: Annotated[Path | None, typer.Option(help="current data, CSV or Parquet")] = None,
        model: Annotated[str | None, typer.Option(help="registered model whose training data is the reference")] = None,
        reference: Annotated[Path | None, typer.Option(help="reference CSV/Parquet, instead of --model")] = None,
        version: Annotated[int | None, typer.Option(min=1, help="model version (default: the champion)")] = None,
        engine: Annotated[str | None, typer.Option(help="fast (default) or evidently")] = None,
        html: Annotated[Path | None, typer.Option(help="also write an HTML report here (with --reference)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Compare current data with a reference: per-column drift, dataset drift, drifted share."""
        if (model is None) == (reference is None):
            die("give either --model NAME or --reference FILE (not both)")
        if reference is not None and current is None:
            die("--reference needs --current FILE")
        if engine not in (None, "fast", "evidently"):
            die(f"--engine must be fast or evidently, not {engine!r}")
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.errors import ToolError
        from opsgraph.tools.models.context import open_store
        from opsgraph.tools.models.drift_run import check_files, check_model
        from opsgraph.tools.models.settings import ModelsSettings
        from opsgraph.tools.models.views import drift_text

        settings = Settings()
        models = ModelsSettings()
        if engine is not None:
            models = models.model_copy(update={"drift_engine": engine})
        try:
            if reference is not None:
                assert current is not None
                done = check_files(reference, current, models, html=html)
            else:
                assert model is not None
                done = check_model(open_store(settings, models), model, models, version=version, current=current,
                                   report_dir=settings.state_dir / "models" / "reports")  # fmt: skip
        except ToolError as exc:
            die(exc.message + (f" ({exc.hint})" if exc.hint else ""), code=1 if exc.kind == "unavailable" else 2)
        if as_json:
            print_json(done.to_json())
        else:
            typer.echo(drift_text(done))

    @group.command("watch")
    def watch_command(
        once: Annotated[bool, typer.Option("--once", help="one pass, then exit (for cron)")] = False,
        interval: Annotated[
            float | None, typer.Option(min=1, help="seconds between passes (default: settings)")
        ] = None,
        model: Annotated[list[str] | None, typer.Option(help="watch this model (repeat; default: settings)")] = None,
        propose: Annotated[bool, typer.Option(help="file a retrain/rollback proposal for approval on drift")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON line per model and pass")] = False,
    ) -> None:
        """Check the watched models' current data on a schedule; drift raises an alert and a proposal."""
        from opsgraph.channels.cli._drift_watch import run_watch
        from opsgraph.tools.errors import ToolError

        try:
            run_watch(once=once, interval=interval, models=model or [], propose=propose, as_json=as_json)
        except ToolError as exc:
            die(exc.message + (f" ({exc.hint})" if exc.hint else ""), code=1 if exc.kind == "unavailable" else 2)

    app.add_typer(group)
