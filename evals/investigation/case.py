"""One investigation case, as its YAML file declares it (format in README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CaseFault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    target: str = Field(description="NS/DEPLOYMENT, a node name, or node-of:NS/DEPLOYMENT (the node of its first pod)")
    params: dict[str, Any] = Field(default_factory=dict)


class RootCause(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    resource: str = Field(description="NS/DEPLOYMENT, or node-of:NS/DEPLOYMENT for the node a fault broke")
    reason: list[str] = Field(min_length=1, description="reasons that count as naming it (any of)")


class ExpectedFix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: str
    args: dict[str, Any] = Field(default_factory=dict, description="key arguments the proposal must carry")
    or_none: bool = Field(False, description="proposing nothing is right too (the cluster may heal first)")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    scenario: str | None = Field(None, description="sandbox scenario file next to the case (default: shipped)")
    faults: list[CaseFault] = Field(default_factory=list)
    question: str
    root_cause: RootCause
    fix: ExpectedFix | None = None
    split: str = Field("development", description="development (written with the playbooks) or held-out")


class CaseError(ValueError):
    """A case file that cannot be read; the message names the file and what to fix."""


def load_cases(folder: Path) -> list[tuple[Path, Case]]:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
    if not files:
        raise CaseError(f"{folder}: no case files (*.yaml) found")
    cases = []
    for path in files:
        try:
            cases.append((path, Case.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))))
        except (yaml.YAMLError, ValidationError) as exc:
            first = str(exc).splitlines()
            raise CaseError(f"{path}: {' '.join(first[:3])}") from None
    return cases
