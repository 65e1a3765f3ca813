"""API errors as the real apiserver reports them: a `Status` object with code, reason, details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cause:
    """One entry of `details.causes` in a 422 Invalid answer."""

    field: str
    reason: str
    message: str


class ApiError(Exception):
    """Raised anywhere below the HTTP layer; the handler answers it as a Status document."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        causes: tuple[Cause, ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.causes = causes

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        details = dict(self.details or {})
        if self.causes:
            details["causes"] = [{"reason": c.reason, "message": c.message, "field": c.field} for c in self.causes]
        if details:
            body["details"] = details
        body["code"] = self.code
        return body


def qualified(resource: str, group: str) -> str:
    """`deployments.apps`, or just `pods` for the core group."""
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{qualified(resource, group)} "{name}" not found',
        {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource},
    )


def path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, group: str, name: str) -> ApiError:
    details = {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource}
    return ApiError(409, "AlreadyExists", f'{qualified(resource, group)} "{name}" already exists', details)


def conflict(resource: str, group: str, name: str) -> ApiError:
    details = {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource}
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details,
    )


def invalid(kind: str, group: str, name: str, causes: list[Cause]) -> ApiError:
    label = f"{kind}.{group}" if group else kind
    parts = [f"{c.field}: {c.message}" for c in causes]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details = {"name": name, "group": group, "kind": kind} if group else {"name": name, "kind": kind}
    return ApiError(422, "Invalid", f'{label} "{name}" is invalid: {summary}', details, tuple(causes))


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f'the body of the request was in an unknown format ("{content_type}") - '
        "accepted media types include: application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json",
    )


def gone(requested: int, oldest: int) -> ApiError:
    return ApiError(410, "Expired", f"too old resource version: {requested} ({oldest})")


def required(path: str) -> Cause:
    return Cause(path, "FieldValueRequired", "Required value")


def invalid_value(path: str, value: Any, detail: str) -> Cause:
    shown = f'"{value}"' if isinstance(value, str) else _go_repr(value)
    return Cause(path, "FieldValueInvalid", f"Invalid value: {shown}: {detail}")


def _go_repr(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
