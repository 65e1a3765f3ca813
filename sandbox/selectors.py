"""Label selectors (equality and set-based) and field selectors, parsed once, matched many times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request

_KEY = re.compile(r"^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$")
_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|[^\s!=(),]+)")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" match objects without the key too.
        return not present or labels[self.key] not in self.values


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def parse_label_selector(text: str | None) -> LabelSelector:
    if not text or not text.strip():
        return LabelSelector()
    tokens = [t for t in _TOKEN.findall(text)]
    if "".join(tokens) != re.sub(r"\s+", "", text):
        raise _label_error(text, "unexpected character")
    reqs: list[Requirement] = []
    pos = 0
    while pos < len(tokens):
        req, pos = _requirement(tokens, pos, text)
        reqs.append(req)
        if pos < len(tokens):
            if tokens[pos] != ",":
                raise _label_error(text, f"found '{tokens[pos]}', expected: ','")
            pos += 1
            if pos == len(tokens):
                raise _label_error(text, "found '', expected: identifier")
    return LabelSelector(tuple(reqs))


def _requirement(tokens: list[str], pos: int, text: str) -> tuple[Requirement, int]:
    if tokens[pos] == "!":
        if pos + 1 >= len(tokens):
            raise _label_error(text, "found '', expected: identifier after '!'")
        return Requirement(_key(tokens[pos + 1], text), "!"), pos + 2
    key = _key(tokens[pos], text)
    pos += 1
    if pos >= len(tokens) or tokens[pos] == ",":
        return Requirement(key, "exists"), pos
    op = tokens[pos]
    if op in ("=", "==", "!="):
        value = tokens[pos + 1] if pos + 1 < len(tokens) and tokens[pos + 1] not in (",", "(", ")") else ""
        step = 2 if value else 1
        return Requirement(key, "!=" if op == "!=" else "=", frozenset({value})), pos + step
    if op in ("in", "notin"):
        if pos + 1 >= len(tokens) or tokens[pos + 1] != "(":
            raise _label_error(text, f"found '{tokens[pos + 1] if pos + 1 < len(tokens) else ''}', expected: '('")
        values: set[str] = set()
        pos += 2
        while pos < len(tokens) and tokens[pos] != ")":
            if tokens[pos] != ",":
                values.add(tokens[pos])
            pos += 1
        if pos >= len(tokens):
            raise _label_error(text, "found '', expected: ')'")
        return Requirement(key, op, frozenset(values)), pos + 1
    raise _label_error(text, f"found '{op}', expected: in, notin, =, ==, !=, gt, lt")


def _key(token: str, text: str) -> str:
    if not _KEY.match(token) or len(token) > 316:
        raise _label_error(text, f"invalid label key {token!r}")
    return token


def _label_error(text: str, why: str) -> ApiError:
    return bad_request(f"unable to parse requirement: {why} in label selector {text!r}")


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    value: str
    negate: bool


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: dict[str, Any]) -> bool:
        return all((field_value(obj, r.field) == r.value) != r.negate for r in self.requirements)

    def exact(self, field: str) -> str | None:
        """The value required by `field=value`, if the selector pins it (a cheap index hint)."""
        for req in self.requirements:
            if req.field == field and not req.negate:
                return req.value
        return None


def parse_field_selector(text: str | None, allowed: tuple[str, ...]) -> FieldSelector:
    if not text or not text.strip():
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for term in _split_unescaped(text):
        match = re.match(r"^\s*([^!=\s]+)\s*(!=|==|=)(.*)$", term)
        if not match:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, value = match.group(1), match.group(2), match.group(3).strip()
        if field not in allowed:
            raise bad_request(f"field label not supported: {field}")
        reqs.append(FieldRequirement(field, _unescape(value), op == "!="))
    return FieldSelector(tuple(reqs))


def _split_unescaped(text: str) -> list[str]:
    parts, current, escaped = [], "", False
    for ch in text:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def field_value(obj: dict[str, Any], field: str) -> str:
    if field == "source":
        field = "source.component"
    value: Any = obj
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "false" if field in ("spec.unschedulable", "spec.hostNetwork") else ""
    return str(value)
