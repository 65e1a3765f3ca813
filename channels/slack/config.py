"""Channel rules and incident routing (`slack.yaml`), validated at start-up.

- `channels`: per Slack channel (an id, a glob, or `im` for every direct message), whether
  it may ask for writes and which namespaces it may touch. First match wins; a channel no rule
  matches may read anything and write nothing.
- `incidents`: where an incident is posted (first matching route by severity, service, namespace;
  else `default_channel`), and how many incident posts a channel takes per window.
"""

from __future__ import annotations

import fnmatch
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from opsgraph.channels.slack.yamlfile import load_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelRule(_Strict):
    channel: str = Field(min_length=1, description="channel id, glob, or 'im' for direct messages")
    writes: bool = False
    namespaces: list[str] = Field(default_factory=lambda: ["*"], description="namespace globs it may touch")


class RouteMatch(_Strict):
    severity: list[str] = Field(default_factory=list)
    service: list[str] = Field(default_factory=list)
    namespace: list[str] = Field(default_factory=list)


class Route(_Strict):
    match: RouteMatch = Field(default_factory=RouteMatch)
    channel: str = Field(min_length=1)


class RateLimit(_Strict):
    count: int = Field(gt=0)
    per_seconds: int = Field(gt=0)


class IncidentRouting(_Strict):
    default_channel: str | None = None
    routes: list[Route] = Field(default_factory=list)
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit(count=20, per_seconds=60))


class SlackConfig(_Strict):
    version: int = Field(1, ge=1, le=1)
    channels: list[ChannelRule] = Field(default_factory=list)
    incidents: IncidentRouting = Field(default_factory=IncidentRouting)

    def rule_for(self, channel_id: str) -> ChannelRule:
        # Direct-message channel ids start with D.
        for rule in self.channels:
            if fnmatch.fnmatchcase(channel_id, rule.channel) or (rule.channel == "im" and channel_id.startswith("D")):
                return rule
        return ChannelRule(channel=channel_id, writes=False)

    def route(self, severity: str, services: tuple[str, ...], namespaces: tuple[str, ...]) -> str | None:
        for route in self.incidents.routes:
            m = route.match
            if m.severity and severity not in m.severity:
                continue
            if m.service and not _any(services, m.service):
                continue
            if m.namespace and not _any(namespaces, m.namespace):
                continue
            return route.channel
        return self.incidents.default_channel


def _any(values: tuple[str, ...], patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(v, p) for v in values for p in patterns)


def default_config_path() -> Path:
    return Path(str(resources.files("opsgraph.channels.slack") / "slack.yaml"))


def load_config(path: Path | None = None) -> SlackConfig:
    config, _ = load_model(path or default_config_path(), SlackConfig, "Slack configuration")
    return config
