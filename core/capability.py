"""A capability is one unit: its tools, planner intents and builders, playbooks, CLI commands and
settings section are declared in its own package, by one `Capability` value, and the list of
installed capabilities (`opsgraph.tools.capabilities.INSTALLED`) is the only place that names it.

Every field is a dotted module path or a resource name, not an object: reading the declaration
imports nothing heavy, so `opsgraph --help` can enumerate the CLI commands of every capability.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Capability:
    name: str
    summary: str  # one line: what it does, for `help` and for "not available" answers
    tool_modules: tuple[str, ...] = ()  # importing each registers its tools in the registry
    cli_modules: tuple[str, ...] = ()  # each exposes `register(app: typer.Typer) -> None`
    # Deterministic planner: a module exposing `BUILDERS: dict[str, Builder]` and the package
    # resource (package, file name) with the example utterances per intent.
    planner_module: str | None = None
    intents: tuple[str, str] | None = None
    playbooks_module: str | None = None  # exposes `PLAYBOOKS: dict[str, Playbook]`
    eval_suites: tuple[tuple[str, str], ...] = ()  # (suite name, "module:function") for `opsgraph eval`
    settings_class: str | None = None  # "module:Class", a pydantic-settings section
    # Tools only a model can drive (no planner path); a test checks every other tool has one.
    llm_only: tuple[str, ...] = ()


def load_object(path: str) -> Any:
    """Import "package.module:attr" (or a bare module path)."""
    module, _, attr = path.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attr) if attr else loaded
