"""Errors a tool raises, split by whose fault they are.

- `InvalidInput` / `NotFound`: the person or the model asked for something that cannot be done
  as asked; the message says what to fix and goes back to them.
- `Unavailable` / `Conflict` / `Failed`: the world did not cooperate (cluster down, rollout stuck).
- Anything else is a programming error and propagates.

`registry.call` turns these into a `ToolResult` with `status="error"`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal[
    "invalid_args",
    "invalid_input",
    "not_found",
    "forbidden",
    "unavailable",
    "conflict",
    "failed",
    "approval_invalid",
    "unknown_tool",
]


class ToolError(Exception):
    """Base for the errors a tool may raise on purpose."""

    kind: ClassVar[ErrorKind] = "failed"

    def __init__(self, message: str, *, hint: str | None = None, untrusted_parts: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Parts of the message quoted from outsiders (a container's log line): guards scan them.
        self.untrusted_parts = untrusted_parts


class InvalidInput(ToolError):
    kind = "invalid_input"


class NotFound(ToolError):
    kind = "not_found"


class Forbidden(ToolError):
    kind = "forbidden"


class Unavailable(ToolError):
    kind = "unavailable"


class Conflict(ToolError):
    kind = "conflict"


class Failed(ToolError):
    kind = "failed"


class ApprovalInvalid(ToolError):
    """The grant presented does not authorise this exact action (or was used already)."""

    kind = "approval_invalid"


class DuplicateToolError(RuntimeError):
    """Two tools declared the same name: a programming error, raised at import."""
