"""The remediation policy file: triggers, diagnosis, actions with conditions, success checks.
Validated at start-up; every error is `FILE:LINE: reason`.

```yaml
version: 1
policies:
  - name: crashloop-fix
    trigger: {alerts: ["KubePodCrashLooping"], cause_kind: [pod, service], severity: [critical]}
    diagnosis: {playbook: investigate}           # run on {namespace}/{service}
    actions:
      - fix: playbook                            # propose the playbook's own fix...
        when: [{fact: fix, eq: k8s_rollback}]
      - call: {tool: k8s_restart, args: {name: "{service}", namespace: "{namespace}"}}
        when:                                    # ...or this call, when its conditions hold
          - {fact: restarts, gt: 3}
          - {fact: diagnosis, contains: OutOfMemoryError}
        auto: false
    success: {check: alert_resolved, window_s: 600}
    rate_limit: {count: 3, per_seconds: 3600}
  - name: latency-scale-out                      # a trigger on a metric alone: no alert needed
    trigger: {anomaly: {name: checkout, namespace: prod, signal: cpu, window: 30m}}
    ...
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
PLACEHOLDER = re.compile(r"\{(service|namespace|entity|incident)\}")
SNAPSHOT_FACTS = {"severity", "alert_count", "firing", "affected_services", "alerts", "cause_kind", "cause_entity"}
Operator = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "matches"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnomalyTrigger(_Strict):
    """An anomaly the streaming detector (tools/anomaly, `anomaly_scan`) finds in a metric over
    the last `window`. On its own in a trigger, the metric is watched and every new anomalous
    period starts the policy; next to incident matchers, the incident must also show it."""

    query: str | None = Field(None, description="PromQL; {service} {namespace} filled in from an incident")
    name: str | None = Field(None, description="a workload whose pods' `signal` is scanned (instead of query)")
    namespace: str | None = None
    signal: Literal["cpu", "memory", "restarts", "errors"] = "cpu"
    window: str = Field("30m", description="how recent the anomaly must be")
    baseline: str = Field("1d", description="history the detector learns normal from")
    step: str | None = None
    min_score: float = Field(0.0, ge=0.0, le=1.0, description="ignore periods whose peak scores lower")
    severity: str = Field("warning", description="how the anomaly is routed when it starts the policy alone")

    @field_validator("window", "baseline", "step")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        from opsgraph.tools.anomaly.promql import parse_duration

        if value is not None:
            parse_duration(value)
        return value

    @field_validator("name", "namespace")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            _check_template(value)
        return value

    def filled(self, values: dict[str, str | None]) -> dict[str, str]:
        """query, name, namespace with {service} {namespace} {entity} {incident} filled in. PromQL
        keeps its own braces: only these four exact placeholders are replaced."""
        out = {}
        for key in ("query", "name", "namespace"):
            text = getattr(self, key)
            if text is not None:
                out[key] = PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or "", text)
        return out

    @model_validator(mode="after")
    def _metric(self) -> AnomalyTrigger:
        if (self.query is None) == (self.name is None):
            raise ValueError("an anomaly trigger needs either query (PromQL) or name (a workload), not both")
        return self


class Trigger(_Strict):
    alerts: list[str] = Field(default_factory=list, description="alert name globs; any one present")
    cause_kind: list[str] = Field(default_factory=list, description="kind of the top probable cause")
    cause_entity: list[str] = Field(default_factory=list, description="entity globs of the top probable cause")
    severity: list[str] = Field(default_factory=list)
    anomaly: AnomalyTrigger | None = None

    @model_validator(mode="after")
    def _something(self) -> Trigger:
        if not (self.alerts or self.cause_kind or self.cause_entity or self.severity or self.anomaly):
            raise ValueError("a trigger needs at least one of alerts, cause_kind, cause_entity, severity, anomaly")
        if self.metric_only and self.anomaly is not None:
            text = " ".join(v or "" for v in (self.anomaly.query, self.anomaly.name, self.anomaly.namespace))
            if PLACEHOLDER.search(text):
                raise ValueError("an anomaly trigger on its own has no incident to fill {placeholders} from")
        return self

    @property
    def metric_only(self) -> bool:
        """Started by the anomaly alone (watched), not by an incident."""
        return not (self.alerts or self.cause_kind or self.cause_entity or self.severity)


class Diagnosis(_Strict):
    """The investigation to run on the incident's workload ({namespace}/{service}) through the
    agent loop; its findings and evidence become facts, and its proposed fix is `fix: playbook`."""

    playbook: Literal["investigate"] = "investigate"


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


class Call(_Strict):
    """A tool call as structure; string arguments may hold {service} {namespace} {entity} {incident}."""

    tool: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args")
    @classmethod
    def _placeholders(cls, value: dict[str, Any]) -> dict[str, Any]:
        for arg in value.values():
            if isinstance(arg, str):
                _check_template(arg)
        return value


class Action(_Strict):
    """One of: `fix: playbook` (the diagnosis playbook's proposed fix, when it proposed one) or
    `call` (this tool call)."""

    fix: Literal["playbook"] | None = None
    call: Call | None = None
    when: list[Condition] = Field(default_factory=list)
    auto: bool = False

    @model_validator(mode="before")
    @classmethod
    def _no_request(cls, data: Any) -> Any:
        if isinstance(data, dict) and "request" in data:
            raise ValueError(
                "`request` (words the planner parsed back) is gone: write `call: {tool: k8s_restart, args: "
                '{name: "{service}", namespace: "{namespace}"}}`, or `fix: playbook` for the diagnosis\'s own fix'
            )
        return data

    @model_validator(mode="after")
    def _one(self) -> Action:
        if (self.fix is None) == (self.call is None):
            raise ValueError("an action is either `fix: playbook` or a `call`")
        return self


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
    diagnosis: Diagnosis = Field(default_factory=Diagnosis)
    actions: list[Action] = Field(min_length=1)
    success: Success = Field(default_factory=Success)
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit(count=3, per_seconds=3600))

    @field_validator("diagnosis", mode="before")
    @classmethod
    def _no_read_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            raise ValueError(
                "diagnosis is the playbook to run, not a list of requests: write `diagnosis: {playbook: investigate}`"
            )
        return value

    @model_validator(mode="after")
    def _success_fits(self) -> Policy:
        if self.trigger.metric_only and self.success.check == "alert_resolved":
            raise ValueError("a policy started by an anomaly alone has no alert to resolve: use check metric_below")
        return self


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
