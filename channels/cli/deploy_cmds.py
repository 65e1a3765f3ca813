"""`opsgraph deploy generate|rbac|vllm-args`: the parts of the Kubernetes manifests in deploy/ that
are generated from the code (RBAC from the tools' declared API access, the ConfigMap's files, the
vLLM container's command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die


def register(app: typer.Typer) -> None:
    deploy = typer.Typer(help="Generate and check the Kubernetes manifests in deploy/.", no_args_is_help=True)
    app.add_typer(deploy, name="deploy")

    @deploy.command("generate")
    def generate(
        directory: Annotated[Path, typer.Option("--dir", help="the deploy/ folder of a checkout")] = Path("deploy"),
        check: Annotated[bool, typer.Option("--check", help="write nothing; exit 1 when a file is stale")] = False,
    ) -> None:
        """Write deploy/base/rbac.yaml and deploy/base/config/* from the code (only what changed)."""
        from opsgraph.serving.manifests.generate import stale, write

        if not (directory / "base" / "kustomization.yaml").is_file():
            die(f"{directory} is not opsgraph's deploy/ folder (no base/kustomization.yaml); pass --dir")
        if check:
            outdated = stale(directory)
            for rel in outdated:
                typer.echo(f"stale: {directory / rel}", err=True)
            if outdated:
                die("generated manifests are out of date; run `opsgraph deploy generate`", 1)
            typer.echo("generated manifests are up to date")
            return
        for rel in write(directory):
            typer.echo(f"wrote {directory / rel}")

    @deploy.command("rbac")
    def rbac_cmd() -> None:
        """Print the ClusterRole (and binding) the installed tools need, with who needs each rule."""
        from opsgraph.serving.manifests.rbac import render

        typer.echo(render(), nl=False)

    @deploy.command("vllm-args")
    def vllm_args() -> None:
        """Print the vLLM container's command and args for the OPSGRAPH_LLM_* settings (listening on
        0.0.0.0), as YAML to paste into an overlay's patch."""
        import json

        from opsgraph.serving.manifests.vllm import container_command
        from opsgraph.serving.settings import LLMSettings
        from opsgraph.serving.vllm import ServeError

        try:
            command, args = container_command(LLMSettings())
        except ServeError as exc:
            die(str(exc))
        typer.echo(f"command: {json.dumps(command)}")
        typer.echo("args:")
        for arg in args:
            typer.echo(f"  - {json.dumps(arg)}")
