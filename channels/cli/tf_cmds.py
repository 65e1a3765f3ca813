"""`opsgraph tf generate "REQUEST" --out DIR [--json]`.

The person at the terminal names the output directory, so this command writes directly (the chat
path goes through the registry and its approval step). Module level imports only typer and the
standard library; terraform, checkov and pydantic models are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json

EXIT_INVALID = 1
EXIT_QUESTION = 3


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="tf",
        help="Generate validated Terraform and Kubernetes manifests.",
        no_args_is_help=True,
        add_completion=False,
    )

    @group.command("generate")
    def generate_command(
        request: Annotated[str, typer.Argument(help="what to build, in plain words")],
        out: Annotated[Path, typer.Option("--out", help="output directory")],
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
        platform: Annotated[str, typer.Option(help="auto | aws | kubernetes: where databases run")] = "auto",
        overwrite: Annotated[bool, typer.Option(help="replace different files of the same name in --out")] = False,
        keep_invalid: Annotated[bool, typer.Option(help="write the files even when a check fails")] = False,
    ) -> None:
        """Generate, validate (terraform validate/plan, checkov, security checks) and write files.

        Exit codes: 0 valid and written, 1 a check failed (nothing written), 2 bad input or not
        covered by the templates, 3 the request needs an answer first (missing detail or contradiction).
        """
        from opsgraph.agent.settings import Settings
        from opsgraph.tools.terraform.checkov_client import CheckovUnavailable
        from opsgraph.tools.terraform.pipeline import OutputConflict, generate
        from opsgraph.tools.terraform.settings import TerraformSettings
        from opsgraph.tools.terraform.tf_runner import TerraformUnavailable

        if platform not in ("auto", "aws", "kubernetes"):
            die(f"--platform must be auto, aws or kubernetes, not {platform!r}")
        if out.exists() and not out.is_dir():
            die(f"--out {out} is a file, not a directory")
        settings = Settings()
        llm = None
        if settings.brain == "llm":
            from opsgraph.tools.terraform.draft import ModelClient

            llm = ModelClient.from_settings(settings)
        try:
            outcome = generate(
                request, out, TerraformSettings(), settings.state_dir, platform=platform,  # type: ignore[arg-type]
                brain="planner" if llm is None else "llm", llm=llm, overwrite=overwrite, keep_invalid=keep_invalid,
            )  # fmt: skip
        except OutputConflict as exc:
            die(f"{exc} (use --overwrite)")
        except (TerraformUnavailable, CheckovUnavailable) as exc:
            die(str(exc), code=EXIT_INVALID)
        if as_json:
            print_json(outcome.contract())
        elif outcome.question is not None:
            typer.echo(outcome.question.question)
        elif outcome.validation is None:
            die(f"not covered: {outcome.unsupported}")
        else:
            _print_human(outcome.detail(), out)
        if outcome.question is not None:
            raise typer.Exit(EXIT_QUESTION)
        if outcome.validation is None:
            raise typer.Exit(2)
        if not outcome.validation.valid:
            raise typer.Exit(EXIT_INVALID)

    app.add_typer(group)


def _print_human(doc: dict[str, object], out: Path) -> None:
    checks = doc["checks"]
    assert isinstance(checks, list)
    failed = [c for c in checks if not c["passed"]]
    state = "valid" if doc["valid"] else "NOT valid"
    typer.echo(f"{state}: {len(checks) - len(failed)} of {len(checks)} checks passed")
    for check in failed:
        where = f"{check.get('file', '')}:{check.get('line', '')}"
        typer.echo(f"  FAILED {check['id']} {where} {check['message']}")
    files = doc["files"]
    assert isinstance(files, list)
    if files:
        typer.echo(f"wrote to {out}:")
        for name in files:
            typer.echo(f"  {name}")
    else:
        typer.echo("nothing written")
    plan = doc.get("plan")
    if isinstance(plan, dict) and plan:
        typer.echo(f"plan: {plan.get('add')} to add ({', '.join(f'{k} x{v}' for k, v in plan['add_by_type'].items())})")
