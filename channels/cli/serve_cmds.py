"""`opsgraph serve`: the Alertmanager webhook receiver (ASGI app under uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8080,
        topology: Annotated[
            Path | None, typer.Option("--topology", "-t", help="topology file (JSON or YAML) for correlation")
        ] = None,
        log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
        cluster_topology: Annotated[
            bool,
            typer.Option(
                "--cluster-topology/--no-cluster-topology",
                help="without --topology, derive pods -> workloads -> nodes from the configured cluster",
            ),
        ] = True,
        respond: Annotated[
            bool, typer.Option("--respond", help="let the agent answer new incidents (proposals wait for approval)")
        ] = False,
    ) -> None:
        """Receive Alertmanager webhooks on POST /webhooks/alertmanager (also /healthz, /metrics).

        With a Slack bot token configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET), also serves
        /slack/events and /slack/interactions, and --respond posts incidents to Slack."""
        import sqlite3

        import uvicorn

        from opsgraph.agent.settings import Settings
        from opsgraph.channels.webhooks.app import create_app
        from opsgraph.tools.alerts.topology import EMPTY, TopologyError, load_topology

        _serve_logging()

        try:
            graph = load_topology(topology) if topology is not None else EMPTY
        except TopologyError as exc:
            die(str(exc))
        settings = Settings()
        if topology is None and cluster_topology:
            from opsgraph.agent.services import cluster_topology as derive

            graph = derive(settings)
        from opsgraph.channels.slack.runtime import SlackNotConfigured
        from opsgraph.channels.slack.serve import configured

        try:
            slack_on = configured()
        except SlackNotConfigured as exc:
            die(f"Slack: {exc}")
        if slack_on:
            application = _with_slack(settings, graph, respond)
            uvicorn.run(application, host=host, port=port, log_level=log_level, log_config=_uvicorn_logging())
            return
        try:
            if respond:
                from opsgraph.channels.incidents import responding_pipeline

                application = create_app(settings, pipeline=responding_pipeline(settings, graph))
            else:
                application = create_app(settings, topology=graph)
        except (OSError, sqlite3.Error) as exc:
            die(f"cannot open the alert store {settings.alerts_db}: {exc}")
        uvicorn.run(application, host=host, port=port, log_level=log_level, log_config=_uvicorn_logging())


def _serve_logging() -> None:
    """A server logs JSON lines at INFO by default (OPSGRAPH_LOG_FORMAT / OPSGRAPH_LOG_LEVEL override)."""
    import logging

    from opsgraph.guardrails.logs import setup_logging

    setup_logging(default_format="json", default_level=logging.INFO)


def _uvicorn_logging() -> dict[str, Any]:
    """uvicorn's own loggers (access, errors) in the same format, redacted, with the request id."""
    from opsgraph.channels.webhooks.logs import uvicorn_log_config
    from opsgraph.core.telemetry.log_settings import LogSettings
    from opsgraph.core.telemetry.logs import with_format

    return with_format(
        uvicorn_log_config(), LogSettings().format or "json", "ext://opsgraph.guardrails.redaction.redact_data"
    )


def _with_slack(settings: Any, graph: Any, respond: bool) -> Any:
    import sqlite3

    from opsgraph.channels.slack.runtime import SlackNotConfigured
    from opsgraph.channels.slack.serve import slack_serve
    from opsgraph.channels.slack.yamlfile import ConfigError
    from opsgraph.channels.webhooks.app import create_app
    from opsgraph.guardrails.policy import PolicyError

    try:
        parts = slack_serve(settings, graph, respond=respond)
        if parts.pipeline is not None:
            application = create_app(settings, pipeline=parts.pipeline, extra_routes=parts.routes)
        else:
            application = create_app(settings, topology=graph, extra_routes=parts.routes)
        application.state.slack_runtime = parts.runtime
        return application
    except (SlackNotConfigured, ConfigError, PolicyError) as exc:
        die(f"Slack: {exc}")
    except (OSError, sqlite3.Error) as exc:
        die(f"cannot open the state in {settings.state_dir}: {exc}")
