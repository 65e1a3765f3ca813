"""The Bolt app: listeners acknowledge Slack at once, then hand the work to `SlackAssistant`.

Mentions and direct messages start (or continue) a thread; `/ops TEXT` posts the question in the
channel and answers in its thread; Approve / Deny buttons decide an approval; an incident's
action buttons propose the fix through the normal approval path. HTTP requests are refused
unless signed with the signing secret within five minutes (Bolt's RequestVerification)."""

from __future__ import annotations

import json
import logging
from typing import Any

from opsgraph.channels.slack.conversation import SlackAssistant, asked_by
from opsgraph.channels.slack.incident_blocks import INCIDENT_ACTION
from opsgraph.channels.slack.render import APPROVE, DENY

log = logging.getLogger(__name__)


def build_app(
    assistant: SlackAssistant,
    *,
    signing_secret: str | None,
    command: str = "/ops",
    token_verification: bool = True,
) -> Any:
    from slack_bolt import App

    from opsgraph.core.telemetry.metrics import metrics
    from opsgraph.core.telemetry.requests import ContextExecutor

    client = assistant.poster.client
    # Listeners run in the request's context (its request id), and their backlog is a metric.
    listeners = ContextExecutor(5, "slack-listener")
    metrics().register_queue("slack_listeners", listeners.waiting)
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=bool(signing_secret),
        token_verification_enabled=token_verification,
        logger=logging.getLogger("opsgraph.slack.bolt"),
        listener_executor=listeners,
    )
    app.use(_request_id)

    @app.event("app_mention")
    def mention(event: dict[str, Any]) -> None:
        assistant.ask(
            text=event.get("text", ""),
            user=event["user"],
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
        )

    @app.event("message")
    def direct_message(event: dict[str, Any]) -> None:
        # Only plain messages people send the app directly; edits, joins and bots are not asks.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        assistant.ask(
            text=event.get("text", ""),
            user=event["user"],
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
        )

    @app.command(command)
    def slash(ack: Any, command: dict[str, Any], respond: Any) -> None:
        text = (command.get("text") or "").strip()
        if not text:
            ack(f"Ask me something, e.g. `{command.get('command', '/ops')} status of prod`.")
            return
        ack()
        user, channel = command["user_id"], command["channel_id"]
        posted = assistant.poster.call("chat.postMessage", durable=False, channel=channel, text=asked_by(user, text))
        if posted is None:
            respond(
                "I cannot post in this channel (invite me with `/invite @opsgraph`, or ask me in a direct message)."
            )
            return
        assistant.ask(text=text, user=user, channel=channel, thread_ts=posted["ts"])

    def decide(approve: bool) -> Any:
        def listener(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            user, channel = body["user"]["id"], body["channel"]["id"]
            message = body.get("message") or {}
            note = assistant.decide(
                value=action["value"],
                approve=approve,
                user=user,
                channel=channel,
                message_ts=message.get("ts") or body["container"]["message_ts"],
                thread_ts=message.get("thread_ts"),
            )
            if note:
                assistant.poster.call("chat.postEphemeral", durable=False, channel=channel, user=user, text=note)

        return listener

    app.action(APPROVE)(decide(True))
    app.action(DENY)(decide(False))

    @app.action(INCIDENT_ACTION)
    def incident_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        proposal = json.loads(action["value"])
        message = body.get("message") or {}
        assistant.ask(
            text=proposal["label"],
            proposal=proposal["call"],
            user=body["user"]["id"],
            channel=body["channel"]["id"],
            thread_ts=message.get("thread_ts") or message.get("ts") or body["container"]["message_ts"],
            source="alert",
        )

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed: %s", error, exc_info=error)

    return app


def _request_id(req: Any, next: Any) -> Any:  # Bolt passes middleware arguments by name: `next`
    """Every Slack event, command or click is a request: the HTTP one's id (set by the webhook
    app's middleware), or a new one for Socket Mode (its threads are reused between events)."""
    from opsgraph.core.telemetry.requests import begin_request, current

    if req.mode == "socket_mode" or current() is None:
        begin_request()
    return next()
