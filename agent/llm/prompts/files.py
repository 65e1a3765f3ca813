"""Prompt files: the YAML schema, loading, and the lock that ties each version to one content hash.

The hash covers everything in the file except `tests` (adding a test case does not change what the
model sees) and `version` itself. `prompts.lock.json` maps name -> version -> hash; a file whose
hash differs from its version's entry was changed without a version bump.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROMPTS_DIR = Path(__file__).resolve().parent
LOCK_FILE = "prompts.lock.json"
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


class PromptFileError(ValueError):
    """A prompt file or the lock is wrong; the message says which file and what to do."""


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(1024, ge=1, le=32768)
    context_tokens: int = Field(32768, ge=512, description="the prompt (system + tools + message) must fit well within")


class PromptCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: str = Field(min_length=1)
    expected_tool: str | None = None
    expected_args: dict[str, Any] = Field(default_factory=dict)
    expected_content: list[str] = Field(default_factory=list)
    forbidden_content: list[str] = Field(default_factory=list)
    forbidden_tools: list[str] = Field(default_factory=list)


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str
    description: str = ""
    model: ModelSettings = Field(default_factory=ModelSettings)
    system_prompt: str | None = None
    tools: dict[str, str] = Field(default_factory=dict, description="tool name -> guidance for the model")
    tests: list[PromptCase] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError("version must look like 1.2.3")
        return value

    def content_hash(self) -> str:
        content = self.model_dump(mode="json", exclude={"tests", "version"})
        return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def read(path: Path) -> PromptFile:
    try:
        prompt = PromptFile.model_validate(yaml.safe_load(path.read_text()) or {})
    except yaml.YAMLError as exc:
        raise PromptFileError(f"{path}: not YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
        raise PromptFileError(f"{path}: {problems}") from exc
    if prompt.name != path.stem:
        raise PromptFileError(f"{path}: name {prompt.name!r} must match the file name {path.stem!r}")
    return prompt


def read_all(directory: Path = PROMPTS_DIR) -> dict[str, PromptFile]:
    return {p.stem: read(p) for p in sorted(directory.glob("*.yaml"))}


@cache
def shipped(name: str) -> PromptFile:
    """A shipped prompt file, read once per process."""
    return read(PROMPTS_DIR / f"{name}.yaml")


def read_lock(directory: Path = PROMPTS_DIR) -> dict[str, dict[str, str]]:
    path = directory / LOCK_FILE
    if not path.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return data


def check_lock(directory: Path = PROMPTS_DIR) -> list[str]:
    """Problems, one line each: a prompt changed without a version bump, or a version not locked."""
    lock = read_lock(directory)
    problems = []
    for name, prompt in read_all(directory).items():
        versions = lock.get(name, {})
        locked = versions.get(prompt.version)
        digest = prompt.content_hash()
        if locked is None:
            problems.append(f"{name}.yaml version {prompt.version} is not in {LOCK_FILE}: run `opsgraph prompts lock`")
        elif locked != digest:
            problems.append(
                f"{name}.yaml changed without a version bump: version {prompt.version} is locked to "
                f"{locked[:12]}, the file now hashes to {digest[:12]}; bump `version` and run `opsgraph prompts lock`"
            )
        newer = [v for v in versions if version_key(v) > version_key(prompt.version)]
        if newer:
            problems.append(f"{name}.yaml version {prompt.version} is older than locked {max(newer, key=version_key)}")
    return problems


def write_lock(directory: Path = PROMPTS_DIR) -> list[str]:
    """Lock each file's current version; refuses to re-lock a version whose content changed."""
    lock = read_lock(directory)
    added = []
    for name, prompt in read_all(directory).items():
        versions = lock.setdefault(name, {})
        digest = prompt.content_hash()
        if versions.get(prompt.version) not in (None, digest):
            raise PromptFileError(
                f"{name}.yaml: version {prompt.version} is already locked to other content; bump `version` first"
            )
        if prompt.version not in versions:
            versions[prompt.version] = digest
            added.append(f"{name} {prompt.version}")
    (directory / LOCK_FILE).write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return added
