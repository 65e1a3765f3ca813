"""`opsgraph audit` lists the audit trail; `opsgraph audit verify` checks its hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

from opsgraph.channels.cli._output import die, print_json

AUDIT_EVENTS = (
    "plan",
    "approval_requested",
    "approved",
    "denied",
    "refused",
    "executing",
    "executed",
    "reconciled",
    "identity_asserted",
    "blocked",
)


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit trail: every plan, approval, denial and execution.")

    @audit.callback(invoke_without_command=True)
    def list_entries(
        ctx: typer.Context,
        limit: Annotated[int, typer.Option(min=1, help="newest entries to show")] = 50,
        thread: Annotated[str | None, typer.Option(help="only this conversation")] = None,
        event: Annotated[
            str | None,
            typer.Option(help=", ".join(AUDIT_EVENTS)),
        ] = None,
        request: Annotated[
            str | None, typer.Option("--request", help="only what this request id (X-Request-ID) wrote")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """List audit entries, oldest first, each with the request id that wrote it."""
        if ctx.invoked_subcommand is not None:
            return
        if event is not None and event not in AUDIT_EVENTS:
            die(f"unknown audit event {event!r}; choose one of: {', '.join(AUDIT_EVENTS)}")
        log = _open()
        entries = log.entries(limit=limit, thread_id=thread, event=event, request_id=request)
        if as_json:
            print_json({"entries": [e.__dict__ for e in entries]})
            return
        if not entries:
            filtered = event is not None or thread is not None or request is not None
            typer.echo("no audit entries match" if filtered else "the audit log is empty")
        for e in entries:
            detail = e.data.get("reason") or e.data.get("text") or e.data.get("tool") or ""
            detail = str(detail).splitlines()[0] if str(detail) else ""
            rid = f"[{e.request_id}] " if e.request_id else ""
            typer.echo(f"{e.seq:>6} {e.ts} {e.actor:<12} {e.event:<19} {e.subject:<16} {rid}{str(detail)[:70]}")

    @audit.command("head")
    def head(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Print the row count and last hash; keep it somewhere else and check later with verify --head."""
        rows, digest = _open().head()
        if as_json:
            print_json({"rows": rows, "hash": digest, "head": f"{rows}:{digest}"})
        else:
            typer.echo(f"{rows}:{digest}")

    @audit.command("verify")
    def verify(
        expected: Annotated[
            str | None, typer.Option("--head", help="a head printed earlier by `opsgraph audit head` (ROWS:HASH)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Recompute the hash chain; exit 1 and name the first bad row if anything was altered."""
        report = _open().verify(head=_parse_head(expected) if expected else None)
        if as_json:
            print_json(report.__dict__)
        elif report.ok:
            typer.echo(f"ok: {report.rows} entries, chain intact; head {report.rows}:{report.head}")
        else:
            typer.echo(f"TAMPERED: {report.reason} (checked {report.rows} entries)", err=True)
        if not report.ok:
            raise typer.Exit(1)

    app.add_typer(audit, name="audit")


def _parse_head(text: str) -> tuple[int | None, str]:
    rows, _, digest = text.strip().rpartition(":")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or (rows and not rows.isdigit()):
        die(f"--head takes ROWS:HASH as `opsgraph audit head` prints it (a 64-hex hash); got {text!r}")
    return (int(rows) if rows else None), digest


def _open():  # type: ignore[no-untyped-def]
    """The audit log, read-only use: a missing file is an error, never silently recreated."""
    from opsgraph.agent.audit import AuditLog, AuditLogMissing
    from opsgraph.channels.session import load_settings

    settings = load_settings()
    try:
        return AuditLog(settings.database_for(settings.audit_db), must_exist=True)
    except AuditLogMissing as exc:
        die(str(exc))
