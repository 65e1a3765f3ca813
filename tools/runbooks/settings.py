"""The runbooks settings section (`OPSGRAPH_RUNBOOKS_*`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class RunbooksSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_RUNBOOKS_", extra="ignore", frozen=True)

    dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="extra runbook folders (comma-separated); a runbook here replaces a shipped one of the same name",
    )
    shipped: bool = Field(True, description="include the runbooks shipped with opsgraph")
    embed_threads: int = Field(
        1, ge=0, le=64, description="CPU threads for the embedder (0: torch's default); one is fastest for queries"
    )
    top_k: int = Field(3, ge=1, le=20, description="how many runbooks a search returns by default")

    @field_validator("dirs", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("dirs", mode="after")
    @classmethod
    def _expand(cls, value: list[Path]) -> list[Path]:
        return [p.expanduser() for p in value]
