"""A runbook file: YAML front matter, markdown sections, and suggested actions as structure.

Suggested actions are fenced blocks with the info string `opsgraph`, a YAML list of
`{tool, args, why}`; args may hold placeholders such as `{name}` or `{namespace}` that the caller
fills from the alert's labels. They travel as tool calls, never as English to parse back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$")
_FENCE = re.compile(r"^```opsgraph\s*\n(.*?)^```\s*$", re.S | re.M)
_ALERT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_:]*$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class RunbookError(ValueError):
    """A runbook file cannot be read as a runbook; the message starts with the file name."""


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3)
    summary: str = Field(min_length=10, description="one or two sentences: when this runbook applies")
    alerts: tuple[str, ...] = Field(default=(), description="alert names (Prometheus rule names) it answers")
    services: tuple[str, ...] = ()
    severity: Literal["critical", "warning", "info"] = "warning"
    tags: tuple[str, ...] = ()

    @field_validator("alerts")
    @classmethod
    def _alerts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if not _ALERT_NAME.match(a)]
        if bad:
            raise ValueError(f"not an alert name: {', '.join(bad)}")
        return value


class Action(BaseModel):
    """One suggested tool call: what the agent may offer as a proposal (a person still approves writes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    args: dict[str, Any] = Field(default_factory=dict)
    why: str = Field(min_length=3)
    section: str = ""

    def placeholders(self) -> list[str]:
        found: list[str] = []
        for value in self.args.values():
            if isinstance(value, str):
                found += [p for p in _PLACEHOLDER.findall(value) if p not in found]
        return found

    def filled(self, values: dict[str, str]) -> dict[str, Any]:
        """The action with known placeholders filled, and `missing` naming the ones still open."""
        args: dict[str, Any] = {}
        for key, value in self.args.items():
            if isinstance(value, str):
                value = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
            args[key] = value
        missing = sorted({p for v in args.values() if isinstance(v, str) for p in _PLACEHOLDER.findall(v)})
        return {"tool": self.tool, "args": args, "why": self.why, "section": self.section, "missing": missing}


@dataclass(frozen=True)
class Section:
    heading: str
    text: str  # markdown body without the action blocks


@dataclass(frozen=True)
class Runbook:
    id: str  # the file stem, e.g. pod-crash-looping
    path: Path
    meta: FrontMatter
    sections: tuple[Section, ...]
    actions: tuple[Action, ...]
    digest: str  # sha256 of the file's bytes: what incremental indexing compares

    @property
    def alerts(self) -> tuple[str, ...]:
        return self.meta.alerts


def parse(path: Path, text: str | None = None) -> Runbook:
    raw = path.read_bytes() if text is None else text.encode()
    body = raw.decode("utf-8", errors="replace")
    match = _FRONT.match(body)
    if not match:
        raise RunbookError(f"{path}: no front matter (a '---' block with title, summary, alerts)")
    try:
        meta = FrontMatter.model_validate(yaml.safe_load(match.group(1)) or {})
    except yaml.YAMLError as exc:
        raise RunbookError(f"{path}: front matter is not YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'front matter'}: {e['msg']}" for e in exc.errors())
        raise RunbookError(f"{path}: {problems}") from exc
    sections, actions = _sections(path, body[match.end() :])
    if not sections:
        raise RunbookError(f"{path}: no '## ' sections")
    return Runbook(path.stem, path, meta, tuple(sections), tuple(actions), hashlib.sha256(raw).hexdigest())


def _sections(path: Path, body: str) -> tuple[list[Section], list[Action]]:
    sections: list[Section] = []
    actions: list[Action] = []
    heading, lines = "", list[str]()  # text before the first '## ' belongs to the title section

    def close() -> None:
        chunk = "\n".join(lines)
        for block in _FENCE.findall(chunk):
            actions.extend(_actions(path, heading or "Overview", block))
        prose = _FENCE.sub("", chunk).strip()
        if prose:
            sections.append(Section(heading or "Overview", prose))

    for line in body.splitlines():
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 2:
            close()
            heading, lines = m.group(2), []
        elif m and len(m.group(1)) == 1:
            continue  # the document title repeats the front matter's
        else:
            lines.append(line)
    close()
    return sections, actions


def _actions(path: Path, section: str, block: str) -> list[Action]:
    try:
        items = yaml.safe_load(block) or []
        if not isinstance(items, list):
            raise RunbookError(f"{path}: section {section!r}: an opsgraph block must be a YAML list")
        return [Action.model_validate({**item, "section": section}) for item in items]
    except yaml.YAMLError as exc:
        raise RunbookError(f"{path}: section {section!r}: opsgraph block is not YAML: {exc}") from exc
    except (ValidationError, TypeError) as exc:
        raise RunbookError(f"{path}: section {section!r}: bad suggested action: {exc}") from exc


def shipped_dir() -> Path:
    from importlib.resources import files

    return Path(str(files("opsgraph.runbooks")))


def load_all(dirs: list[Path], *, shipped: bool = True) -> list[Runbook]:
    """Every runbook: the shipped ones, then each extra folder (a later file of the same name wins)."""
    folders = ([shipped_dir()] if shipped else []) + list(dirs)
    found: dict[str, Runbook] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RunbookError(f"{folder}: runbook folder does not exist")
        for path in sorted(folder.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            runbook = parse(path)
            found[runbook.id] = runbook
    return sorted(found.values(), key=lambda r: r.id)
