"""The remediation policy file: triggers, diagnosis, actions with conditions, success checks.
Validated at start-up; every error is `FILE:LINE: reason`.

```yaml
version: 1
policies:
  - name: oom-restart
    trigger: {alerts: ["KubePodCrashLooping"], cause_kind: [pod, service], severity: [critical]}
    diagnosis: ["status of {service} in {namespace}", "logs of {service} in {namespace}"]
    actions:
      - request: "restart {service} in {namespace}"
        when:
          - {fact: restarts, gt: 3}
          - {fact: diagnosis, contains: OutOfMemoryError}
        auto: false
    success: {check: alert_resolved, window_s: 600}
    rate_limit: {count: 3, per_seconds: 3600}
```
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opsgraph.channels.slack.yamlfile import ConfigError, line, load_model

PLACEHOLDERS = {"service", "namespace", "entity", "incident"}
SNAPSHOT_FACTS = {"severity", "alert_count", "firing", "affected_services", "alerts", "cause_kind", "cause_entity"}
Operator = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "matches"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Strict):
    alerts: list[str] = Field(default_factory=list, description="alert name globs; any one present")
    cause_kind: list[str] = Field(default_factory=list, description="kind of the top probable cause")
    cause_entity: list[str] = Field(default_factory=list, description="entity globs of the top probable cause")
    severity: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Trigger:
        if not (self.alerts or self.cause_kind or self.cause_entity or self.severity):
            raise ValueError("a trigger needs at least one of alerts, cause_kind, cause_entity, severity")
        return self


class Condition(_Strict):
    """`fact` is a snapshot fact (severity, alert_count, firing, affected_services, alerts,
    cause_kind, cause_entity), `diagnosis` (all diagnosis text), or any field name found in the
    diagnosis results' data or tables (its largest numeric value: `restarts`)."""

    fact: str = Field(min_length=1)
    eq: Any = None
    ne: Any = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    contains: str | None = None
    matches: str | None = None

    @field_validator("matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if not any(
            getattr(self, op) is not None for op in ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "matches")
        ):
            raise ValueError(f"condition on {self.fact!r} needs a test (eq, ne, lt, lte, gt, gte, contains, matches)")
        return self


class Action(_Strict):
    request: str = Field(min_length=1, description="what a person would type; {service} {namespace} ... filled in")
    when: list[Condition] = Field(default_factory=list)
    auto: bool = False

    @field_validator("request")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        _check_template(value)
        return value


class Success(_Strict):
    check: Literal["alert_resolved", "metric_below"] = "alert_resolved"
    window_s: int = Field(600, gt=0, le=86400)
    query: str | None = None
    threshold: float | None = None

    @model_validator(mode="after")
    def _metric(self) -> Success:
        if self.check == "metric_below" and (self.query is None or self.threshold is None):
            raise ValueError("check metric_below needs query and threshold")
        return self


class RateLimit(_Strict):
    count: int = Field(gt=0)
    per_seconds: int = Field(gt=0)


class Policy(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    trigger: Trigger
    diagnosis: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(min_length=1)
    success: Success = Field(default_factory=Success)
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit(count=3, per_seconds=3600))

    @field_validator("diagnosis")
    @classmethod
    def _steps(cls, value: list[str]) -> list[str]:
        for step in value:
            _check_template(step)
        return value


class PolicyFile(_Strict):
    version: Literal[1]
    policies: list[Policy] = Field(default_factory=list)


def _check_template(text: str) -> None:
    for _, name, spec, conv in string.Formatter().parse(text):
        if name is not None and (name not in PLACEHOLDERS or spec or conv):
            raise ValueError(f"unknown placeholder {{{name}}} (use {', '.join(sorted(PLACEHOLDERS))})")


def load_policies(path: Path) -> PolicyFile:
    policies, root = load_model(path, PolicyFile, "remediation policy file")
    seen: set[str] = set()
    for i, policy in enumerate(policies.policies):
        if policy.name in seen:
            raise ConfigError(
                f"{path}:{line(root, ('policies', i, 'name'))}: policy name {policy.name!r} is used twice"
            )
        seen.add(policy.name)
    return policies
