"""`opsgraph` command line (Typer).

Start-up must stay fast (`opsgraph --help` < 0.5 s): this package and every command module
import only typer and the standard library at module level. Command bodies import what they need.
Each command module exposes `register(app)`.
"""

from __future__ import annotations

import importlib

import typer

from opsgraph.channels.cli import (
    agent_cmds,
    audit_cmds,
    doctor_cmds,
    eval_cmds,
    guard_cmds,
    sandbox_cmds,
    serve_cmds,
    slack_cmds,
)
from opsgraph.tools.capabilities import capabilities

app = typer.Typer(
    name="opsgraph",
    help="opsgraph: a ChatOps assistant for platform teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rendering it with rich costs ~250 ms, half the start-up budget.
    rich_markup_mode=None,
    # Wide enough that no command's one-line help is cut with "...".
    context_settings={"max_content_width": 120, "terminal_width": 120},
)

for module in (agent_cmds, sandbox_cmds, audit_cmds, eval_cmds, serve_cmds, guard_cmds, slack_cmds, doctor_cmds):
    module.register(app)
# Each capability brings its own commands (declared in its capability.py).
for capability in capabilities():
    for path in capability.cli_modules:
        importlib.import_module(path).register(app)


def main() -> None:
    from pydantic import ValidationError

    from opsgraph.core.db.errors import DatabaseError
    from opsgraph.guardrails.logs import setup_logging

    try:
        setup_logging()
        app()
    except ValidationError as exc:
        _settings_error(exc)
    except (RecursionError, UnicodeDecodeError) as exc:  # an input no reader caught: one line, no traceback
        _input_error(exc)
    except DatabaseError as exc:  # the state database: a setting to fix, or a server that is down
        _state_error(exc)


def _state_error(exc: Exception) -> None:
    import sys

    from opsgraph.core.db.errors import DatabaseUnavailable

    hint = "; check OPSGRAPH_DATABASE_URL and that PostgreSQL is up" if isinstance(exc, DatabaseUnavailable) else ""
    sys.stderr.write(f"error: {exc}{hint}\n")
    raise SystemExit(2)


def _input_error(exc: Exception) -> None:
    import sys

    if isinstance(exc, UnicodeDecodeError):
        what = f"an input file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
    else:
        what = "an input is nested too deeply to read"
    sys.stderr.write(f"error: {what}\n")
    raise SystemExit(2)


def _settings_error(exc: Exception) -> None:
    """A settings section that cannot be built: name the variable and the fix, no traceback."""
    import sys

    from pydantic import ValidationError
    from pydantic_settings import BaseSettings

    from opsgraph.core.settings import describe_error

    assert isinstance(exc, ValidationError)
    section = _settings_class(exc.title)
    if section is None or not issubclass(section, BaseSettings):
        raise exc
    sys.stderr.write(f"error: {describe_error(exc, section)}\n")
    raise SystemExit(2)


def _settings_class(title: str) -> type | None:
    from opsgraph.agent.settings import Settings
    from opsgraph.core.capability import load_object
    from opsgraph.core.telemetry.log_settings import LogSettings

    for known in (Settings, LogSettings):
        if title == known.__name__:
            return known
    for capability in capabilities():
        if capability.settings_class and capability.settings_class.endswith(f":{title}"):
            loaded: type = load_object(capability.settings_class)
            return loaded
    return None
