"""Load a YAML file into a pydantic model; every error names the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """An invalid configuration file; the message is `FILE:LINE: reason`."""


def load_model(path: Path, model: type[M], what: str) -> tuple[M, Any]:
    """The validated model and the YAML node tree (for `line()` in later checks)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    try:
        root = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        at = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"{path}:{at}: not valid YAML ({exc.problem})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}:1: the {what} is a mapping (see the shipped example)")
    try:
        return model.model_validate(raw), root
    except ValidationError as exc:
        first = exc.errors()[0]
        where = tuple(first["loc"])
        name = ".".join(str(p) for p in where) or what
        raise ConfigError(f"{path}:{line(root, where)}: {name}: {first['msg']}") from exc


def line(node: Any, where: tuple[str | int, ...]) -> int:
    """The 1-based line of the YAML node at `where` (or of its nearest existing parent)."""
    at = node.start_mark.line + 1 if node is not None else 1
    for key in where:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node, at = child, child.start_mark.line + 1
    return at
