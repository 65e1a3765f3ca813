"""Channel rules on top of the action policy: a Slack channel that may not ask for writes, or may
not touch a namespace, is refused before anything is planned for approval. Requests from Slack
carry the channel as `slack:<channel id>`; every other channel passes straight through."""

from __future__ import annotations

import fnmatch
from typing import Any

from opsgraph.agent.policy import ActionPolicy, ActionRequest, Decision
from opsgraph.channels.slack.config import SlackConfig

PREFIX = "slack:"


class ChannelRulesPolicy:
    """An `ActionPolicy` that applies `SlackConfig.channels`, then asks the wrapped policy."""

    def __init__(self, inner: ActionPolicy, config: SlackConfig) -> None:
        self.inner = inner
        self.config = config

    def decide(self, request: ActionRequest) -> Decision:
        refusal = self.refusal(request.channel, request.risk, request.args)
        if refusal is not None:
            return Decision("deny", refusal)
        return self.inner.decide(request)

    def refusal(self, channel: str, risk: str, args: dict[str, Any]) -> str | None:
        if not channel.startswith(PREFIX):
            return None
        channel_id = channel[len(PREFIX) :]
        rule = self.config.rule_for(channel_id)
        if risk != "read" and not rule.writes:
            return f"denied: this channel ({channel_id}) may not ask for changes; ask in a channel that may"
        namespace = args.get("namespace")
        if isinstance(namespace, str) and not any(fnmatch.fnmatchcase(namespace, p) for p in rule.namespaces):
            return f"denied: this channel ({channel_id}) may not touch namespace {namespace}"
        return None

    def check_approver(
        self, request: ActionRequest, decision: Decision, approver: str, groups: tuple[str, ...] = ()
    ) -> str | None:
        return self.inner.check_approver(request, decision, approver, groups)

    def record_execution(self, request: ActionRequest) -> None:
        self.inner.record_execution(request)

    def __getattr__(self, name: str) -> Any:  # roles_of, environment_of, ... of the wrapped engine
        return getattr(self.inner, name)
