"""`opsgraph models status|gate|demo`: the model registry from a terminal. Alias moves and
retraining are writes: ask for them in chat (`opsgraph ask "promote version 2 of fraud-detector"`)
so they pass the policy and an approval.

Module level imports only typer and the standard library; mlflow is imported inside commands."""

from __future__ import annotations

from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="models", help="The model registry (MLflow): status, promotion gate, demo models.",
        no_args_is_help=True, add_completion=False,
    )  # fmt: skip

    @group.command("status")
    def status_command(
        model: Annotated[str | None, typer.Argument(help="registered model (default: list all)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Versions, aliases, accuracy and data hashes of a model (or the list of models)."""
        _call("model_status", {"model": model} if model else {}, as_json)

    @group.command("gate")
    def gate_command(
        model: Annotated[str, typer.Argument(help="registered model")],
        version: Annotated[int, typer.Argument(min=1, help="candidate version")],
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Would VERSION pass the promotion gate against the current champion? (changes nothing)"""
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.errors import ToolError
        from opsgraph.tools.models.context import open_store
        from opsgraph.tools.models.promotion import evaluate_gate
        from opsgraph.tools.models.settings import ModelsSettings

        models = ModelsSettings()
        store = open_store(Settings(), models)
        try:
            champion = store.alias_version(model, "champion")
            if champion is None:
                die(f"{model} has no champion to compare with")
            gate = evaluate_gate(store, models, model, version, champion)
        except ToolError as exc:
            die(exc.message + (f" ({exc.hint})" if exc.hint else ""))
        if as_json:
            print_json({"model": model, "candidate": version, "champion": champion, **gate.to_json()})
        else:
            typer.echo(f"{model} v{version} against champion v{champion}:\n{gate.table()}")

    @group.command("demo")
    def demo_command() -> None:
        """Seed the registry with example models trained on synthetic data (idempotent)."""
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.models.context import open_store
        from opsgraph.tools.models.demo import seed_demo

        settings = Settings()
        settings.ensure_state_dir()
        created = seed_demo(open_store(settings), settings.state_dir / "models" / "demo-data")
        typer.echo(f"seeded {', '.join(created)}" if created else "demo models already present")

    app.add_typer(group)


def _call(tool: str, args: dict[str, object], as_json: bool) -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.models import tools  # noqa: F401  (registers the model tools)
    from opsgraph.tools.registry import REGISTRY

    settings = Settings()
    result = REGISTRY.call(tool, args, ToolContext(settings, actor=settings.user))
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif result.status == "error":
        die(result.text, code=1)
    else:
        typer.echo(result.text)
    if result.status == "error":
        raise typer.Exit(1)
