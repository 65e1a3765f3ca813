"""Alertmanager payloads at the boundary: v2 alerts (API shape) and webhook v4 notifications.

`parse_document` accepts what a user or Alertmanager hands us (a JSON list of v2 alerts, or one
webhook payload) and returns `Alert`s, or raises `PayloadError` with a message that says what to
fix, e.g. `alert 3: startsAt: invalid datetime`.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from opsgraph.tools.alerts.model import Alert, fingerprint

# Alertmanager writes Go's zero time for "not set".
_ZERO_TIME_BEFORE = datetime(1971, 1, 1).timestamp()
MAX_ALERTS_PER_DOCUMENT = 1_000_000


class PayloadError(ValueError):
    """The payload cannot be used as given; the message says what to fix."""


class AlertmanagerStatus(BaseModel):
    """`status` of an alert as the v2 API returns it (GET /api/v2/alerts)."""

    model_config = ConfigDict(extra="ignore")

    state: Literal["unprocessed", "active", "suppressed"] = "active"
    silencedBy: list[str] = Field(default_factory=list)
    inhibitedBy: list[str] = Field(default_factory=list)


class V2Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str | None = None
    fingerprint: str | None = None
    status: Literal["firing", "resolved"] | AlertmanagerStatus | None = None

    @field_validator("labels")
    @classmethod
    def _label_names(cls, labels: dict[str, str]) -> dict[str, str]:
        bad = [name for name in labels if not name or not (name[0].isalpha() or name[0] == "_")]
        if bad:
            raise ValueError(f"label name {bad[0]!r} must start with a letter or underscore")
        return labels


class WebhookPayload(BaseModel):
    """Alertmanager webhook notification, version 4."""

    model_config = ConfigDict(extra="ignore")

    version: str
    status: Literal["firing", "resolved"]
    alerts: list[V2Alert] = Field(max_length=MAX_ALERTS_PER_DOCUMENT)
    groupKey: str = ""
    truncatedAlerts: int = 0
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "4":
            raise ValueError(f"unsupported webhook version {value!r} (opsgraph reads version 4)")
        return value


def _ts(value: datetime | None) -> float | None:
    if value is None:
        return None
    stamp = value.timestamp()
    return None if stamp < _ZERO_TIME_BEFORE else stamp


def to_alert(raw: V2Alert, now: float) -> Alert:
    starts = _ts(raw.startsAt)
    ends = _ts(raw.endsAt)
    suppressed = False
    if isinstance(raw.status, str):
        status = raw.status
    else:
        # No explicit status: Alertmanager's rule, an alert whose end lies in the past is resolved.
        status = "resolved" if ends is not None and ends <= now else "firing"
        suppressed = raw.status is not None and raw.status.state == "suppressed"
    return Alert(
        fingerprint=raw.fingerprint or fingerprint(raw.labels),
        labels=raw.labels,
        starts_at=starts if starts is not None else (ends if ends is not None and ends < now else now),
        status=status,
        ends_at=ends,
        annotations=raw.annotations,
        generator_url=raw.generatorURL,
        suppressed=suppressed,
    )


def parse_webhook(document: Any, now: float | None = None) -> tuple[WebhookPayload, list[Alert]]:
    """A webhook v4 body -> (payload, alerts); raises PayloadError."""
    if not isinstance(document, dict):
        raise PayloadError(f"expected a JSON object (Alertmanager webhook), got {_kind(document)}")
    try:
        payload = WebhookPayload.model_validate(document)
    except ValidationError as exc:
        raise PayloadError(explain(exc)) from None
    moment = time.time() if now is None else now
    return payload, [to_alert(a, moment) for a in payload.alerts]


def parse_document(document: Any, now: float | None = None) -> list[Alert]:
    """A JSON list of v2 alerts, or a webhook payload -> alerts, in input order."""
    moment = time.time() if now is None else now
    if isinstance(document, dict):
        if "version" not in document and "alerts" not in document:
            raise PayloadError("expected a list of alerts or an Alertmanager webhook payload (no 'alerts' key)")
        return parse_webhook(document, moment)[1]
    if not isinstance(document, list):
        raise PayloadError(f"expected a list of alerts or a webhook payload object, got {_kind(document)}")
    if len(document) > MAX_ALERTS_PER_DOCUMENT:
        raise PayloadError(f"too many alerts ({len(document)}); the limit is {MAX_ALERTS_PER_DOCUMENT}")
    alerts: list[Alert] = []
    for index, item in enumerate(document):
        try:
            alerts.append(to_alert(V2Alert.model_validate(item), moment))
        except ValidationError as exc:
            raise PayloadError(f"alert {index}: {explain(exc)}") from None
    return alerts


def explain(exc: ValidationError) -> str:
    """One line naming where each problem is, e.g. `alerts.2.labels: Field required`."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-")) or "payload"
        parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
