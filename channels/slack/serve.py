"""What `opsgraph serve` mounts when Slack is configured (a bot token in the environment): the
`/slack/events` and `/slack/interactions` routes, and with `--respond` the alert pipeline whose
incidents are posted to Slack and answered in their threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsgraph.agent.settings import Settings
from opsgraph.channels.slack.settings import SlackSettings


@dataclass
class SlackServe:
    routes: list[Any]
    pipeline: Any  # the responding pipeline, or None without --respond
    runtime: Any


def configured() -> bool:
    """Whether a bot token is set; an invalid Slack setting raises SlackNotConfigured naming it."""
    from pydantic import ValidationError

    from opsgraph.channels.slack.runtime import SlackNotConfigured
    from opsgraph.core.settings import describe_error

    try:
        return SlackSettings().secret("bot_token") is not None
    except ValidationError as exc:
        raise SlackNotConfigured(describe_error(exc, SlackSettings)) from None


def slack_serve(settings: Settings, topology: Any, *, respond: bool) -> SlackServe:
    """Raises SlackNotConfigured (no signing secret), ConfigError or PolicyError (FILE:LINE)."""
    from opsgraph.channels.slack.runtime import build, require, respond_to_incidents
    from opsgraph.channels.slack.transport_http import slack_routes

    slack = SlackSettings()
    require(slack, "bot_token", "signing_secret")
    pipeline = None
    if respond:
        from opsgraph.tools.alerts.pipeline import AlertPipeline

        settings.ensure_state_dir()
        pipeline = AlertPipeline.open(settings.database_for(settings.alerts_db), topology)
    runtime = build(settings, slack, pipeline=pipeline)
    if pipeline is not None:
        respond_to_incidents(runtime, pipeline)
    return SlackServe(slack_routes(runtime.bolt), pipeline, runtime)
