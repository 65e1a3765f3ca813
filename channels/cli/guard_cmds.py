"""`opsgraph guard check|scan|redact`: the injection detector and secret redaction from a shell.

Only typer and the standard library at module level; the detector loads inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from opsgraph.channels.cli._output import die, print_json

_JSONL_HELP = 'JSONL file, one {"text": ...} object per line; - for stdin'
_LINE_SHAPE = '{"text": "..."}'
_SOURCE_HELP = "treat the text as untrusted data from SOURCE (alert, log, tool:NAME): stricter"


def register(app: typer.Typer) -> None:
    guard = typer.Typer(help="Prompt-injection checks and secret redaction.", no_args_is_help=True)
    app.add_typer(guard, name="guard")

    @guard.command("check")
    def check(
        text: Annotated[str, typer.Argument(help="the message to check")],
        source: Annotated[str | None, typer.Option(help=_SOURCE_HELP)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Check one message; exit 1 when it is an injection."""
        verdict = _scan(text, source)
        if as_json:
            print_json(verdict.to_dict())
        else:
            label = "INJECTION" if verdict.injection else "clean"
            typer.echo(f"{label} (score {verdict.score:.2f})")
            for reason in verdict.reasons:
                typer.echo(f"  - {reason}")
        if verdict.injection:
            raise typer.Exit(1)

    @guard.command("scan")
    def scan_file(
        file: Annotated[Path, typer.Argument(help=_JSONL_HELP)],
        source: Annotated[str | None, typer.Option(help=_SOURCE_HELP)] = None,
        as_json: Annotated[bool, typer.Option("--json/--text", help="JSON lines (default) or a text table")] = True,
    ) -> None:
        """Scan every line of a JSONL file: one {"injection", "score"} line per input line, same order."""
        try:
            texts = _read_jsonl(file)
        except _BadInput as exc:
            die(str(exc))
        flagged = 0
        for text in texts:
            verdict = _scan(text, source)
            flagged += verdict.injection
            if as_json:
                sys.stdout.write(json.dumps({"injection": verdict.injection, "score": verdict.score}) + "\n")
            else:
                sys.stdout.write(f"{'INJECTION' if verdict.injection else 'clean':9} {verdict.score:.3f}\n")
        sys.stdout.flush()
        if not as_json:
            sys.stderr.write(f"{flagged} of {len(texts)} flagged\n")

    @guard.command("redact")
    def redact_command(
        file: Annotated[Path, typer.Argument(help="text file to redact; - for stdin")] = Path("-"),
    ) -> None:
        """Print FILE with secrets replaced by [REDACTED:<kind>] markers."""
        from opsgraph.guardrails.redaction import redact

        try:
            text = _read_text(file)
        except _BadInput as exc:
            die(str(exc))
        sys.stdout.write(redact(text))


def _scan(text: str, source: str | None) -> Any:
    from opsgraph.guardrails.injection import scan, scan_untrusted

    _announce_first_use()
    return scan(text) if source is None else scan_untrusted(text, source)


def _announce_first_use() -> None:
    """Training takes seconds once per corpus version; say so instead of hanging silently."""
    from opsgraph.agent.settings import Settings
    from opsgraph.guardrails.injection import detector
    from opsgraph.guardrails.injection.model import model_digest

    if detector._default is not None:
        return
    cache_dir = Settings().cache_dir
    if not (cache_dir / f"injection-model-{model_digest()}.json").exists():
        sys.stderr.write(f"training the injection classifier on first use (cached in {cache_dir}) ...\n")


class _BadInput(Exception):
    """Input the user must fix; the command turns it into a one-line error."""


def _read_text(file: Path) -> str:
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _BadInput(f"{file}: no such file") from None
    except UnicodeDecodeError:
        raise _BadInput(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise _BadInput(f"{file}: cannot read ({exc.strerror})") from None


def _read_jsonl(file: Path) -> list[str]:
    """All texts, or a clear error naming the first bad line (nothing is scanned before that)."""
    lines = _read_text(file).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    texts: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise _BadInput(f"{file}: line {number} is empty; every line needs a JSON object like {_LINE_SHAPE}")
        try:
            row = json.loads(line)
        except RecursionError:
            raise _BadInput(f"{file}: line {number} is nested too deeply") from None
        except ValueError as exc:
            raise _BadInput(f"{file}: line {number} is not valid JSON ({exc.args[0].split(':')[0]})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise _BadInput(
                f'{file}: line {number} must be a JSON object with a string "text" field, like {_LINE_SHAPE}'
            )
        texts.append(row["text"])
    return texts
