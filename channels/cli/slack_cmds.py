"""`opsgraph slack`: the assistant in Slack over Socket Mode (no public URL needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from opsgraph.channels.cli._output import die


def register(app: typer.Typer) -> None:
    @app.command("slack")
    def slack(
        respond: Annotated[
            bool,
            typer.Option(
                "--respond/--no-respond",
                help="also receive Alertmanager webhooks on --port and post incidents to Slack",
            ),
        ] = False,
        port: Annotated[int, typer.Option(help="webhook port with --respond", min=1, max=65535)] = 8080,
        host: Annotated[str, typer.Option(help="webhook address with --respond")] = "127.0.0.1",
    ) -> None:
        """Connect to Slack over Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN)."""
        import logging
        import sqlite3

        from pydantic import ValidationError

        from opsgraph.agent.settings import Settings
        from opsgraph.channels.slack.runtime import SlackNotConfigured, build, require, respond_to_incidents
        from opsgraph.channels.slack.settings import SlackSettings
        from opsgraph.channels.slack.yamlfile import ConfigError
        from opsgraph.core.settings import describe_error
        from opsgraph.guardrails.policy import PolicyError

        try:
            slack_settings = SlackSettings()
        except ValidationError as exc:
            die(describe_error(exc, SlackSettings))
        settings = Settings()
        pipeline = None
        try:
            require(slack_settings, "app_token", "bot_token")
            if respond:
                from opsgraph.agent.services import cluster_topology
                from opsgraph.tools.alerts.pipeline import AlertPipeline

                settings.ensure_state_dir()
                pipeline = AlertPipeline.open(settings.database_for(settings.alerts_db), cluster_topology(settings))
            runtime = build(settings, slack_settings, pipeline=pipeline)
        except (SlackNotConfigured, ConfigError, PolicyError) as exc:
            die(f"Slack: {exc}")
        except (OSError, sqlite3.Error) as exc:
            die(f"cannot open the state in {settings.state_dir}: {exc}")
        from opsgraph.channels.slack.transport_socket import SocketModeRunner

        runner = SocketModeRunner(runtime.bolt, slack_settings.secret("app_token") or "", slack_settings.socket_check_s)
        logging.getLogger(__name__).warning("connecting to Slack over Socket Mode")
        if pipeline is not None:
            import threading

            import uvicorn

            from opsgraph.channels.webhooks.app import create_app

            respond_to_incidents(runtime, pipeline)
            web = create_app(settings, pipeline=pipeline)
            threading.Thread(target=uvicorn.run, args=(web,), kwargs={"host": host, "port": port}, daemon=True).start()
        try:
            runner.run_forever()
        except KeyboardInterrupt:
            pass
        finally:
            runner.close()
            runtime.close()
