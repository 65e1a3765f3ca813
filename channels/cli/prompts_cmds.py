"""`opsgraph prompts test|lock|list`: prompts as code (agent/llm/prompts/*.yaml)."""

from __future__ import annotations

from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    prompts = typer.Typer(help="Versioned prompt files: test them, lock their versions.", no_args_is_help=True)
    app.add_typer(prompts, name="prompts")

    @prompts.command("test")
    def test(
        base_url: Annotated[
            str | None, typer.Option("--base-url", help="also run the cases against this OpenAI-compatible model")
        ] = None,
        model: Annotated[str | None, typer.Option("--model", help="model name at --base-url")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Format checks of every case (local server); behaviour checks when a model is configured.

        Without --base-url, OPSGRAPH_BRAIN=llm runs them against OPSGRAPH_LLM_BASE_URL. Exit 1 on a failure.
        """
        from opsgraph.agent.llm.prompts.checks import run
        from opsgraph.agent.llm.prompts.files import PromptFileError
        from opsgraph.agent.settings import Settings

        settings = Settings()
        if base_url is None and settings.brain == "llm":
            base_url, model = settings.llm_base_url, model or settings.llm_model
        try:
            report = run(base_url=base_url, model=model or settings.llm_model, api_key=settings.llm_api_key)
        except PromptFileError as exc:
            die(str(exc))
        if as_json:
            print_json(report.to_json())
        else:
            for problem in report.lock_problems:
                typer.echo(f"LOCK  {problem}")
            for r in report.results:
                mark = "ok  " if r.passed else "FAIL"
                typer.echo(f"{mark}  [{r.mode}] {r.prompt}: {r.input}" + "".join(f"\n      {p}" for p in r.problems))
            summary = report.to_json()
            where = f"model at {base_url}" if base_url else "no model configured: behaviour checks skipped"
            typer.echo(
                f"format {summary['format']['passed']}/{summary['format']['total']}, "
                f"model {summary['model']['passed']}/{summary['model']['total']} ({where})"
            )
        if not report.ok:
            raise typer.Exit(1)

    @prompts.command("lock")
    def lock() -> None:
        """Record the hash of each prompt file's current version (after a version bump)."""
        from opsgraph.agent.llm.prompts.files import PromptFileError, write_lock

        try:
            added = write_lock()
        except PromptFileError as exc:
            die(str(exc))
        typer.echo(f"locked {', '.join(added)}" if added else "nothing new to lock")

    @prompts.command("list")
    def list_prompts(
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Prompt files with their versions and number of test cases."""
        from opsgraph.agent.llm.prompts.files import PromptFileError, read_all

        try:
            files = read_all()
        except PromptFileError as exc:
            die(str(exc))
        rows = [{"name": n, "version": p.version, "cases": len(p.tests), "model": p.model.model_dump()}
                for n, p in files.items()]  # fmt: skip
        if as_json:
            print_json({"prompts": rows})
        else:
            for row in rows:
                typer.echo(f"{row['name']:12} {row['version']:8} {row['cases']} cases")
