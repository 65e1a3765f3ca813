"""Slack settings (`OPSGRAPH_SLACK_*`; the tokens also read Slack's usual `SLACK_*` names)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from opsgraph.core.settings import SettingsSection


class SlackSettings(SettingsSection):
    model_config = SettingsConfigDict(
        env_prefix="OPSGRAPH_SLACK_", extra="ignore", frozen=True, enable_decoding=False, populate_by_name=True
    )

    bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPSGRAPH_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        description="bot token (xoxb-...)",
    )
    signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPSGRAPH_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        description="checks every HTTP request from Slack",
    )
    app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPSGRAPH_SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        description="app-level token (xapp-...) for Socket Mode",
    )
    api_url: str = Field("https://slack.com/api/", description="Web API base URL")
    config_file: Path | None = Field(
        None, description="channel rules and incident routing (default: the shipped slack.yaml)"
    )
    remediation_file: Path | None = Field(None, description="remediation policies YAML (none by default)")
    incident_channel: str | None = Field(None, description="channel for incidents no route matches")
    command: str = Field("/ops", description="the slash command")
    retries: int = Field(4, ge=0, le=10, description="Web API retries on 429, 5xx and connection errors")
    groups_ttl_s: float = Field(300.0, gt=0, description="how long a user's Slack groups are cached")
    outbox_retry_s: float = Field(30.0, gt=0, description="how often failed posts are retried")
    socket_check_s: float = Field(10.0, gt=0, description="how often Socket Mode checks its connection")
    channels_ttl_s: float = Field(300.0, gt=0, description="how long channel names (#ops -> id) are cached")
    approval_sweep_s: float = Field(15.0, gt=0, description="how often expired approval cards are updated")
    anomaly_watch_s: float = Field(60.0, gt=0, description="how often remediation anomaly triggers scan")

    @field_validator("config_file", "remediation_file", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("api_url", mode="after")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None
