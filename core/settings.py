"""The base every settings section builds on: lists read as `a,b,c` or as JSON, and an invalid
value is reported by its environment variable, with the fix, never as a traceback."""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_COLLECTIONS = (list, tuple, set, frozenset)


class SettingsSection(BaseSettings):
    # Decoding is ours: pydantic-settings would parse every list as JSON first and crash on the
    # natural OPSGRAPH_NAMESPACES=prod,staging.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, enable_decoding=False)

    @field_validator("*", mode="before")
    @classmethod
    def _decode_collections(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or info.field_name is None:
            return value
        origin = _origin(cls.model_fields[info.field_name].annotation)
        text = value.strip()
        if origin in _COLLECTIONS:
            if text.startswith("["):
                return _json(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        if origin is dict:
            return _json(text)
        return value


def _origin(annotation: Any) -> Any:
    """list for `list[str]`, also inside `list[str] | None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(annotation):
            inner = _origin(arg)
            if inner is not None and arg is not type(None):
                return inner
        return None
    return origin


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None


def describe_error(exc: ValidationError, section: type[BaseSettings]) -> str:
    """One line per invalid setting, named by the environment variable that set it."""
    prefix = str(section.model_config.get("env_prefix", ""))
    lines = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        variable = f"{prefix}{field}".upper()
        given = err.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        message = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "should be", 1)
        lines.append(f"{variable}: {message}{shown}; fix or unset it")
    return "invalid setting " + "\n".join(lines)
