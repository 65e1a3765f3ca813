"""Incident routing (`slack.yaml`), validated at start-up.

- `incidents`: where an incident is posted (first matching route by severity, service, namespace;
  else `default_channel`), and how many incident posts a channel takes per window. A channel is
  an id (C0123ABCD) or a name (`#prod-incidents`, resolved to its id through the Slack API).
- `channels` (deprecated): channel rules now live in the action policy (`channels:` in
  guardrails/policy). A slack.yaml that still has them is read into the policy when the policy
  has none (with a warning that shows the policy lines), and refused when both have them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

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

    _resolve: Callable[[str | None], str | None] | None = PrivateAttr(default=None)

    def resolving(self, resolve: Callable[[str | None], str | None]) -> SlackConfig:
        """This config, with routed channel names (`#ops`) turned into ids by `resolve`."""
        copy = self.model_copy()
        copy._resolve = resolve
        return copy

    def route(self, severity: str, services: tuple[str, ...], namespaces: tuple[str, ...]) -> str | None:
        for route in self.incidents.routes:
            m = route.match
            if m.severity and severity not in m.severity:
                continue
            if m.service and not _any(services, m.service):
                continue
            if m.namespace and not _any(namespaces, m.namespace):
                continue
            return self._named(route.channel)
        return self._named(self.incidents.default_channel)

    def _named(self, channel: str | None) -> str | None:
        return channel if self._resolve is None else self._resolve(channel)

    def policy_channel_rules(self) -> list[dict[str, Any]]:
        """The deprecated `channels` section as the action policy's `channels:` rules."""
        return [
            {
                "channel": "slack:im" if r.channel == "im" else f"slack:{r.channel}",
                "writes": r.writes,
                "namespaces": list(r.namespaces),
            }
            for r in self.channels
        ]


def _any(values: tuple[str, ...], patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(v, p) for v in values for p in patterns)


def default_config_path() -> Path:
    return Path(str(resources.files("opsgraph.channels.slack") / "slack.yaml"))


def load_config(path: Path | None = None) -> SlackConfig:
    config, _ = load_model(path or default_config_path(), SlackConfig, "Slack configuration")
    return config
