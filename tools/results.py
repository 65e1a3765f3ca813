"""What every tool call returns: one typed result, whatever the tool."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from opsgraph.core.views import View
from opsgraph.tools.errors import ErrorKind

Status = Literal["ok", "error", "no_data", "approval_required"]


class ToolErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ErrorKind
    message: str
    hint: str | None = None


class ToolResult(BaseModel):
    """`text` is the short human rendering; `data` is the machine-readable payload.

    `untrusted` marks data that outsiders control (logs, events, alert text): guards scan it and
    a model only ever sees it inside a delimited data block.
    """

    model_config = ConfigDict(frozen=True)

    tool: str
    status: Status
    text: str
    data: Any = None
    diff: str | None = None
    action_hash: str | None = None
    error: ToolErrorInfo | None = None
    untrusted: bool = False
    # When only parts of `text` come from outsiders (event messages inside a status report), the
    # parts; guards scan these instead of the whole text. None: all of `text` is untrusted.
    untrusted_parts: tuple[str, ...] | None = None
    no_op: bool = False  # a write whose dry-run found nothing to change
    # How channels show it: typed views, rendered alike in a terminal and in Slack. Empty: `text`.
    views: tuple[View, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def ok(
    tool: str,
    text: str,
    data: Any = None,
    *,
    untrusted: bool = False,
    untrusted_parts: tuple[str, ...] | None = None,
    views: tuple[View, ...] = (),
) -> ToolResult:
    return ToolResult(
        tool=tool,
        status="ok",
        text=text,
        data=data,
        untrusted=untrusted or untrusted_parts is not None,
        untrusted_parts=untrusted_parts,
        views=views,
    )


def no_data(tool: str, text: str, data: Any = None) -> ToolResult:
    return ToolResult(tool=tool, status="no_data", text=text, data=data)


def error(
    tool: str, kind: ErrorKind, message: str, hint: str | None = None, untrusted_parts: tuple[str, ...] = ()
) -> ToolResult:
    text = f"{message} ({hint})" if hint else message
    return ToolResult(
        tool=tool,
        status="error",
        text=text,
        error=ToolErrorInfo(kind=kind, message=message, hint=hint),
        untrusted=bool(untrusted_parts),
        untrusted_parts=untrusted_parts or None,
    )
