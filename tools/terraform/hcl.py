"""Writing HCL from Python values: literals, references, blocks. Output is `terraform fmt` style."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ref:
    """An HCL expression written as is (a reference or a function call)."""

    expr: str


@dataclass(frozen=True)
class Block:
    """A nested block (`rule { ... }`), as opposed to an attribute holding an object."""

    body: dict[str, Any]


def literal(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, Ref):
        return value.expr
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${")
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if all(not isinstance(v, dict) for v in value):
            return "[" + ", ".join(literal(v) for v in value) + "]"
        inner = ",\n".join(f"{pad}  {literal(v, indent + 1)}" for v in value)
        return "[\n" + inner + f"\n{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        pairs = [(_key(k), literal(v, indent + 1)) for k, v in value.items()]
        return "{\n" + "\n".join(aligned(pairs, pad + "  ")) + f"\n{pad}}}"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def aligned(pairs: list[tuple[str, str]], pad: str) -> list[str]:
    """`key = value` lines, `=` aligned within runs of one-line values (as `terraform fmt` does:
    a value spanning lines stands alone)."""
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        if run:
            width = max(len(k) for k, _ in run)
            out.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
            run.clear()

    for key, text in pairs:
        if "\n" in text:
            flush()
            out.append(f"{pad}{key} = {text}")
        else:
            run.append((key, text))
    flush()
    return out


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and not key[0].isdigit() else json.dumps(key)


def body(attrs: dict[str, Any], indent: int = 1) -> str:
    """Attributes aligned in runs (as `terraform fmt` does), nested blocks apart."""
    pad = "  " * indent
    out: list[str] = []
    run: list[tuple[str, Any]] = []

    def flush() -> None:
        out.extend(aligned([(k, literal(v, indent)) for k, v in run], pad))
        run.clear()

    for key, value in attrs.items():
        if value is None:
            continue
        blocks = value if isinstance(value, list) and value and all(isinstance(v, Block) for v in value) else None
        if isinstance(value, Block):
            blocks = [value]
        if blocks is None:
            run.append((key, value))
            continue
        flush()
        for block in blocks:
            if out and out[-1] != "":
                out.append("")
            inner = body(block.body, indent + 1)
            if not inner:
                out.append(f"{pad}{key} {{}}")
                continue
            out += [f"{pad}{key} {{", inner, f"{pad}}}"]
    flush()
    return "\n".join(out)


def block(kind: str, labels: tuple[str, ...], attrs: dict[str, Any]) -> str:
    head = " ".join([kind, *(json.dumps(label) for label in labels)])
    inner = body(attrs)
    return f"{head} {{\n{inner}\n}}\n" if inner else f"{head} {{}}\n"


def resource(type_: str, name: str, attrs: dict[str, Any]) -> str:
    return block("resource", (type_, name), attrs)


def jsonencode(document: dict[str, Any]) -> Ref:
    """`jsonencode({...})` with references kept as expressions."""
    return Ref("jsonencode(" + literal(document, 1) + ")")
