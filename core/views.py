"""Typed views a result carries, so every channel (REPL, Slack Block Kit, JSON) renders them alike
without knowing which tool produced them: a table, a diff, a block of text, an investigation's
findings, an incident."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str = ""
    # Written by outsiders (event messages, logs, alert text): channels mark it, guards scan it.
    untrusted: bool = False


class TableView(_View):
    kind: Literal["table"] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Per row: "ok", "warn" or "bad" (colour in a terminal, an emoji in Slack); empty for none.
    row_status: tuple[str, ...] = ()


class DiffLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    old: str
    new: str


class DiffView(_View):
    kind: Literal["diff"] = "diff"
    subject: str
    changes: tuple[DiffLine, ...] = ()
    note: str = ""


class TextView(_View):
    kind: Literal["text"] = "text"
    text: str


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str  # which step looked ("events of prod/checkout")
    saw: str  # what it showed


class FindingsView(_View):
    """An investigation's answer: the diagnosis in one sentence, and the evidence behind it."""

    kind: Literal["findings"] = "findings"
    diagnosis: str
    evidence: tuple[Finding, ...] = ()
    stopped_by: str = ""  # the limit that ended the investigation early, if one did
    runbook: str = ""  # "Runbook: <title> (<path>#<section>)" for the root cause, when one fits

    @classmethod
    def of_answer(cls, answer: dict[str, Any]) -> FindingsView:
        """A turn's `answer` (diagnosis, evidence, stopped_by) as the view every channel renders."""
        evidence = [e for e in answer.get("evidence") or [] if isinstance(e, dict) and {"step", "saw"} <= set(e)]
        return cls(
            title="investigation",
            diagnosis=str(answer.get("diagnosis") or ""),
            evidence=tuple(Finding(step=str(e["step"]), saw=str(e["saw"])) for e in evidence),
            stopped_by=str(answer.get("stopped_by") or ""),
            runbook=str(runbook.get("line") or "") if isinstance(runbook := answer.get("runbook"), dict) else "",
        )


View = Annotated[TableView | DiffView | TextView | FindingsView, Field(discriminator="kind")]
