"""`OPSGRAPH_LOG_FORMAT` and `OPSGRAPH_LOG_LEVEL` (apart from core.telemetry.logs so that
start-up without them set never imports pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from opsgraph.core.settings import SettingsSection
from opsgraph.core.telemetry.logs import LogFormat


class LogSettings(SettingsSection):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_LOG_", extra="ignore", frozen=True, enable_decoding=False)

    format: LogFormat | None = Field(None, description="json | text (default: json under serve, text elsewhere)")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = Field(
        None, description="log level (default: INFO under serve, WARNING elsewhere)"
    )
