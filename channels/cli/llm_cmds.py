"""`opsgraph llm serve|check` (the vLLM model server) and `opsgraph gateway` (the AI gateway)."""

from __future__ import annotations

from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json


def register(app: typer.Typer) -> None:
    llm = typer.Typer(help="The local model: serve it with vLLM, check the endpoint.", no_args_is_help=True)
    app.add_typer(llm, name="llm")

    @llm.command("serve")
    def serve(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="print the vllm command, do not run it")] = False,
        model: Annotated[str | None, typer.Option(help="model id (default OPSGRAPH_LLM_SERVE_MODEL)")] = None,
        port: Annotated[int | None, typer.Option(help="port (default OPSGRAPH_LLM_PORT)", min=1, max=65535)] = None,
    ) -> None:
        """Run `vllm serve` for the quantized model with tool calling; waits until /health answers."""
        import subprocess
        import sys

        from opsgraph.serving.settings import LLMSettings
        from opsgraph.serving.vllm import ServeError, preflight, serve_command, wait_healthy

        settings = LLMSettings()
        updates = {k: v for k, v in {"serve_model": model, "port": port}.items() if v is not None}
        if updates:
            settings = settings.model_copy(update=updates)
        try:
            if dry_run:
                typer.echo(serve_command(settings).shell())
                return
            command = serve_command(settings, vllm=preflight(settings.tensor_parallel_size))
        except ServeError as exc:
            die(str(exc), 1)
        typer.echo(command.shell(), err=True)
        process = subprocess.Popen(command.argv)
        try:
            took = wait_healthy(command.health_url, settings.health_timeout_s, alive=lambda: process.poll() is None)
            typer.echo(
                f"vllm is healthy after {took:.0f}s: {command.health_url} (model {command.served_name})", err=True
            )
            sys.exit(process.wait())
        except ServeError as exc:
            process.terminate()
            die(str(exc), 1)
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=30)

    @llm.command("check")
    def check(
        url: Annotated[
            str | None, typer.Option(help="OpenAI-compatible base URL (default OPSGRAPH_LLM_BASE_URL)")
        ] = None,
        model: Annotated[str | None, typer.Option(help="model name (default OPSGRAPH_LLM_MODEL)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Is the endpoint up, does it return real tool calls for the probe set, how fast."""
        from opsgraph.agent.settings import Settings
        from opsgraph.serving.check import run_check
        from opsgraph.serving.settings import LLMSettings

        settings = Settings()
        report = run_check(
            url or settings.llm_base_url,
            model or settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=LLMSettings().timeout_s,
        )
        document = report.to_json()
        if as_json:
            print_json(document)
        else:
            typer.echo(f"endpoint {report.endpoint}: {'up' if report.up else 'DOWN'} (model {report.model})")
            if report.problem:
                typer.echo(f"  {report.problem}")
            for p in report.probes:
                speed = f"first token {p.first_token_s}s, {p.tokens_per_s} tok/s" if p.ok else p.problem
                typer.echo(f"  {'ok ' if p.ok else 'BAD'} {p.text!r} -> {p.expected}: {speed}")
            if report.probes:
                typer.echo(
                    f"tool calls {document['tool_call_rate']:.0%}, first token p50 {document['first_token_p50_s']}s, "
                    f"{document['tokens_per_s']} tok/s"
                )
        raise typer.Exit(0 if report.passed else 1)

    @app.command("gateway")
    def gateway(
        upstream: Annotated[
            list[str],
            typer.Option(help="model server base URL; repeat for several, NAME=URL to route by complexity"),
        ],
        port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8090,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        no_cache: Annotated[bool, typer.Option("--no-cache", help="never answer from the semantic cache")] = False,
        log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
    ) -> None:
        """OpenAI-compatible gateway in front of model servers (semantic cache, limits, metrics)."""
        import uvicorn

        from opsgraph.serving.gateway.app import GatewayConfig, create_app
        from opsgraph.serving.gateway.routing import UpstreamError, parse_upstreams

        try:
            upstreams = parse_upstreams(upstream)
        except UpstreamError as exc:
            die(str(exc))
        application = create_app(GatewayConfig.from_settings(upstreams, cache=not no_cache))
        typer.echo(f"gateway on http://{host}:{port}/v1 -> {', '.join(u.url for u in upstreams)}", err=True)
        uvicorn.run(application, host=host, port=port, log_level=log_level)
