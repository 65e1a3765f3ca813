"""Arguments of the model tools (their JSON schema is what an LLM sees)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _model_name(value: str | None) -> str | None:
    if value is not None and not _NAME.match(value):
        raise ValueError(f"{value!r} is not a model name (letters, digits, '.', '_', '-')")
    return value


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelStatusArgs(_Args):
    model: str | None = Field(None, description="registered model name; omit to list every model")

    _check = field_validator("model")(_model_name)


class DriftCheckArgs(_Args):
    model: str | None = Field(None, description="registered model whose training data is the reference")
    version: int | None = Field(None, ge=1, description="model version (default: the champion)")
    current: str | None = Field(None, description="CSV/Parquet of current data (default: the model's configured batch)")
    reference: str | None = Field(None, description="CSV/Parquet reference file, instead of a model")

    _check = field_validator("model")(_model_name)

    @model_validator(mode="after")
    def _one_reference(self) -> DriftCheckArgs:
        if (self.model is None) == (self.reference is None):
            raise ValueError("give either `model` or a `reference` file (not both)")
        if self.reference is not None and self.current is None:
            raise ValueError("comparing files needs a `current` file too")
        return self


class ModelPromoteArgs(_Args):
    model: str = Field(description="registered model name")
    version: int = Field(ge=1, description="version to point the alias at")
    alias: Literal["champion", "challenger"] = Field("champion", description="alias to move")
    override: bool = Field(False, description="promote to champion even if the validation gate fails (audited)")
    reason: str | None = Field(None, max_length=300, description="why, for the audit trail (needed with override)")

    _check = field_validator("model")(_model_name)

    @model_validator(mode="after")
    def _override_has_reason(self) -> ModelPromoteArgs:
        if self.override and not (self.reason or "").strip():
            raise ValueError("an override needs a `reason` for the audit trail")
        return self


class ModelRollbackArgs(_Args):
    model: str = Field(description="registered model name")
    version: int | None = Field(None, ge=1, description="version to go back to (default: the previous champion)")

    _check = field_validator("model")(_model_name)


class ModelRetrainArgs(_Args):
    model: str = Field(description="registered model name")
    version: int | None = Field(None, ge=1, description="version whose parameters to reuse (default: champion)")
    data: str | None = Field(None, description="labelled CSV/Parquet to train on (default: the configured data)")

    _check = field_validator("model")(_model_name)
