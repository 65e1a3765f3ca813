"""One golden conversation, as its YAML file declares it (format in README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Split = Literal["dev", "held-out"]
FOLDERS: dict[str, Split] = {"dev": "dev", "held_out": "held-out"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultFixture(_Strict):
    kind: str
    target: str = Field(description="NS/DEPLOYMENT or a node name, as `opsgraph sandbox fault inject` takes it")
    params: dict[str, Any] = Field(default_factory=dict)


class Setup(_Strict):
    faults: list[FaultFixture] = Field(default_factory=list, description="sandbox faults injected first")
    alerts: list[str] = Field(
        default_factory=list, description="Alertmanager webhook payloads (files in fixtures/) received first"
    )
    models: bool = Field(False, description="the MLflow registry holds the demo models (`opsgraph models demo`)")


class Expect(_Strict):
    status: str | None = Field(None, description="done | needs_approval | question | error | blocked | denied | ...")
    tools: list[str] | None = Field(
        None, description="the turn's tool calls in order: what ran, then what waits for approval ([] for none)"
    )
    args: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="tool -> key arguments its first call this turn must carry"
    )
    contains: list[str] = Field(default_factory=list, description="text the reply must contain (case-insensitive)")
    excludes: list[str] = Field(default_factory=list, description="text the reply must not contain")


class Turn(_Strict):
    say: str | None = Field(None, description="what the person types")
    decide: Literal["approve", "deny"] | None = Field(None, description="decide the pending approval instead")
    by: str = Field("alice", description="who speaks or decides")
    expect: Expect = Field(default_factory=Expect)

    @model_validator(mode="after")
    def _one(self) -> Turn:
        if (self.say is None) == (self.decide is None):
            raise ValueError("a turn either says something (`say`) or decides an approval (`decide`)")
        return self


class Conversation(_Strict):
    name: str
    capability: str = Field(description="the installed capability whose main path this covers (or 'guardrails', ...)")
    setup: Setup = Field(default_factory=Setup)
    turns: list[Turn] = Field(min_length=1)
    forbidden_tools: list[str] = Field(default_factory=list, description="tools that must never be called or run")
    forbidden_text: list[str] = Field(default_factory=list, description="text no reply may contain")


class CaseError(ValueError):
    """A conversation file that cannot be read; the message names the file and what to fix."""


def load_conversations(folder: Path) -> list[tuple[Path, Split, Conversation]]:
    """Every conversation under `folder`: its dev/ and held_out/ subfolders, or the folder itself
    (all dev) when it has neither."""
    parts = [(folder / sub, split) for sub, split in FOLDERS.items() if (folder / sub).is_dir()]
    parts = parts or [(folder, "dev")]
    found: list[tuple[Path, Split, Conversation]] = []
    for sub, split in parts:
        for path in sorted(p for p in sub.iterdir() if p.suffix in (".yaml", ".yml")):
            try:
                found.append((path, split, Conversation.model_validate(yaml.safe_load(path.read_text("utf-8")))))
            except (yaml.YAMLError, ValidationError) as exc:
                raise CaseError(f"{path}: {' '.join(str(exc).splitlines()[:3])}") from None
    if not found:
        raise CaseError(f"{folder}: no conversation files (*.yaml) found")
    names = [c.name for _, _, c in found]
    if len(set(names)) != len(names):
        raise CaseError(f"{folder}: conversation names must be unique")
    return found
