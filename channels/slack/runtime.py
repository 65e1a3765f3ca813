"""Wiring: settings -> agent (with the channel rules) -> Web API poster -> assistant -> Bolt app,
and, for `opsgraph serve --respond`, the alert pipeline posting incidents to Slack. Shared by the
HTTP transport (serve) and Socket Mode (`opsgraph slack`)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.agent.settings import Settings
from opsgraph.channels.slack.settings import SlackSettings

log = logging.getLogger(__name__)


class SlackNotConfigured(ValueError):
    """A required token or secret is missing; the message names the variable."""


@dataclass
class SlackRuntime:
    settings: Settings
    slack: SlackSettings
    agent: Any
    poster: Any
    assistant: Any
    bolt: Any
    incidents: Any
    remediation: Any = None
    expiry: Any = None  # ExpirySweep: approval cards that expired
    channels: Any = None  # ChannelDirectory: #names <-> ids
    stops: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for stop in self.stops:
            stop.set()
        self.incidents.close()
        if self.expiry is not None:
            self.expiry.cards.close_db()
        self.poster.close()
        if self.remediation is not None:
            self.remediation.close()
        self.agent.close()


def require(slack: SlackSettings, *names: str) -> None:
    for name in names:
        if slack.secret(name) is None:
            raise SlackNotConfigured(f"set OPSGRAPH_SLACK_{name.upper()} (or SLACK_{name.upper()})")


def build(
    settings: Settings,
    slack: SlackSettings,
    *,
    agent: Any = None,
    pipeline: Any = None,
    token_verification: bool = True,
    background: bool = True,
) -> SlackRuntime:
    """Everything Slack needs. Raises SlackNotConfigured, ConfigError (FILE:LINE) or PolicyError."""
    from opsgraph.channels.slack.app import build_app
    from opsgraph.channels.slack.approval_cards import ApprovalCards, ExpirySweep
    from opsgraph.channels.slack.channel_directory import ChannelDirectory
    from opsgraph.channels.slack.config import load_config
    from opsgraph.channels.slack.conversation import SlackAssistant
    from opsgraph.channels.slack.identity import GroupDirectory
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client

    require(slack, "bot_token")
    config = load_config(slack.config_file)
    remediation_policies = _remediation_policies(slack)
    settings.ensure_state_dir()
    agent = agent or _agent(settings, config, slack.config_file)
    if pipeline is not None:
        agent.context.tools.extras["alert_pipeline"] = pipeline

    def audit(event: str, data: dict[str, Any]) -> None:
        agent.audit.append(event, actor="slack", subject=str(data.get("method", "")), data=data)

    poster = Poster(
        web_client(slack.secret("bot_token"), slack.api_url, slack.retries),
        settings.database_for(settings.state_dir / "slack_outbox.sqlite"),
        audit,
    )
    directory = ChannelDirectory(poster, slack.channels_ttl_s)
    _name_channels(agent.context.policy, directory)
    config = config.resolving(directory.resolve)
    fallback = directory.resolve(slack.incident_channel)
    incidents = SlackIncidents(
        poster,
        config,
        settings.database_for(settings.state_dir / "slack.sqlite"),
        fallback_channel=fallback,
        pipeline=pipeline,
    )
    remediation = None
    if remediation_policies is not None:
        from opsgraph.channels.slack.remediation.engine import Remediation
        from opsgraph.channels.slack.remediation.threads import RemediationThreads

        remediation = Remediation(
            remediation_policies,
            agent,
            settings.database_for(settings.state_dir / "remediation.sqlite"),
            notifier=RemediationThreads(incidents, config, fallback),
            pipeline=pipeline,
        )
    cards = ApprovalCards(settings.database_for(settings.state_dir / "slack_cards.sqlite"))
    assistant = SlackAssistant(
        agent,
        poster,
        GroupDirectory(poster, slack.groups_ttl_s),
        track_record=remediation.track_record_for if remediation is not None else None,
        cards=cards,
    )
    incidents.assistant = assistant
    bolt = build_app(
        assistant,
        signing_secret=slack.secret("signing_secret"),
        command=slack.command,
        token_verification=token_verification,
    )
    expiry = ExpirySweep(cards, agent.approvals, poster)
    runtime = SlackRuntime(settings, slack, agent, poster, assistant, bolt, incidents, remediation, expiry, directory)
    if background:
        runtime.stops.append(poster.start_retrying(slack.outbox_retry_s))
        runtime.stops.append(expiry.start(slack.approval_sweep_s))
        if pipeline is not None:
            runtime.stops.append(incidents.start_sweeping())
        if remediation is not None:
            runtime.stops.append(remediation.start_checking())
            if remediation.watched:
                runtime.stops.append(remediation.start_watching(slack.anomaly_watch_s))
    return runtime


def respond_to_incidents(runtime: SlackRuntime, pipeline: Any, *, background: bool = True, answer: bool = True) -> Any:
    """The pipeline's callback: post (or edit) the incident at once, then, on a second queue so
    posts never wait behind an investigation, let the agent answer in its thread and the
    remediation policies (if any) diagnose and propose. `answer=False` posts only."""
    from opsgraph.agent.responder import SEVERITY_RANK, BackgroundResponder, IncidentResponder

    responder = IncidentResponder(runtime.agent, runtime.incidents)

    def answer_incident(snapshot: Any) -> None:
        # Once per incident and severity across replicas and restarts (the responder's own
        # memory is per process): recorded before and after, resumed if cut short.
        if snapshot.prioritised:
            run = runtime.incidents.begin_answer(snapshot, SEVERITY_RANK.get(snapshot.severity, 0))
            if run is not None:
                responder(snapshot)
                runtime.incidents.end_answer(run)
        if runtime.remediation is not None:
            runtime.remediation.consider(snapshot)

    answers: Any = BackgroundResponder(answer_incident) if background else answer_incident

    def on_incident(snapshot: Any) -> None:
        runtime.incidents(snapshot)
        if answer:
            answers(snapshot)

    pipeline.on_incident = BackgroundResponder(on_incident) if background else on_incident
    return pipeline


def _agent(settings: Settings, config: Any, config_file: Path | None) -> Any:
    """The agent, with the action policy's channel rules (or, from an older slack.yaml that still
    has them, those; never both)."""
    from opsgraph.agent.service import Agent
    from opsgraph.channels.slack.yamlfile import ConfigError
    from opsgraph.guardrails.policy import PolicyEngine, default_policy_path
    from opsgraph.guardrails.policy.model import ChannelRule

    engine = PolicyEngine.load(settings.policy_file, settings.database_for(settings.state_db))
    if config.channels:
        where = config_file or "slack.yaml"
        policy_file = settings.policy_file or default_policy_path()
        if engine.policy.channels is not None and settings.policy_file is not None:
            raise ConfigError(
                f"{where}:1: channel rules are in both {where} and the action policy {policy_file}; "
                "keep them in the policy (`channels:`) and delete `channels` here"
            )
        legacy = config.policy_channel_rules()
        lines = "\n".join(f"  - {json.dumps(r)}" for r in legacy)
        log.warning("%s: `channels` in the Slack config is deprecated; they apply now, but move them to the "
                    "action policy (%s):\nchannels:\n%s", where, policy_file, lines)  # fmt: skip
        channels = [ChannelRule.model_validate(r) for r in legacy]
        engine.policy = engine.policy.model_copy(update={"channels": channels})
    return Agent(settings, policy=engine)


def _name_channels(policy: Any, directory: Any) -> None:
    """Let the policy's channel rules name Slack channels (`slack:#ops`, `slack:im`)."""
    if hasattr(policy, "channel_names"):
        policy.channel_names = directory.names_of


def _remediation_policies(slack: SlackSettings) -> Any:
    if slack.remediation_file is None:
        return None
    from opsgraph.channels.slack.remediation.model import load_policies

    return load_policies(slack.remediation_file)
