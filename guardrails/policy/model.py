"""The policy file's schema (pydantic), validated at start-up."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Comparison = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Namespaces(_Strict):
    allowed: list[str] = Field(default_factory=list)
    environments: dict[str, list[str]] = Field(default_factory=dict)


class Rule(_Strict):
    name: str = Field(min_length=1)
    effect: Literal["allow", "approve", "deny"]
    tools: list[str] = Field(default_factory=list, description="tool name globs; empty matches every tool")
    risk: list[Literal["read", "write", "destructive"]] = Field(default_factory=list)
    environments: list[str] = Field(default_factory=list)
    when: dict[str, Any] = Field(default_factory=dict)
    approvers: list[str] = Field(default_factory=list)
    two_person: bool = False
    reason: str = ""

    @field_validator("when")
    @classmethod
    def _conditions(cls, value: dict[str, Any]) -> dict[str, Any]:
        for arg, condition in value.items():
            if isinstance(condition, dict):
                unknown = set(condition) - {"eq", "ne", "lt", "lte", "gt", "gte", "in"}
                if unknown:
                    raise ValueError(f"condition on {arg!r} uses unknown operator(s) {sorted(unknown)}")
        return value

    @model_validator(mode="after")
    def _approvers_only_for_approve(self) -> Rule:
        if self.effect == "approve" and not self.approvers:
            raise ValueError(f"rule {self.name!r} needs approvers (a role name, or 'any')")
        if self.effect != "approve" and (self.approvers or self.two_person):
            raise ValueError(f"rule {self.name!r}: approvers/two_person only make sense with effect: approve")
        return self


class RateLimit(_Strict):
    count: int = Field(gt=0)
    per_seconds: int = Field(gt=0)


class RateLimits(_Strict):
    writes_per_user: RateLimit | None = None


class IdentityAssertion(_Strict):
    """Who may speak as someone else from the CLI: a bot account on named hosts."""

    hosts: list[str] = Field(min_length=1, description="host name globs (socket.gethostname())")
    os_users: list[str] = Field(min_length=1, description="the OS logins allowed to assert")
    names: list[str] = Field(default_factory=lambda: ["*"], description="identity globs they may assert")


class Identity(_Strict):
    # Empty (the default): the CLI identity is always the OS login; OPSGRAPH_USER cannot change it.
    may_assert: list[IdentityAssertion] = Field(default_factory=list)


class ChannelRule(_Strict):
    """Which channels may ask for writes, and which namespaces they may touch. `channel` matches
    the channel as a request carries it: `slack:C0123ABCD` (an id), `slack:#ops` (a name, resolved
    by the chat app), `slack:im` (direct messages), globs (`slack:*`), or `cli` / `alerts`."""

    channel: str = Field(min_length=1)
    writes: bool = False
    namespaces: list[str] = Field(default_factory=lambda: ["*"], description="namespace globs it may touch")

    @field_validator("channel")
    @classmethod
    def _name(cls, value: str) -> str:
        if "#" in value and (":" not in value or not value.split(":", 1)[1].startswith("#")):
            raise ValueError(f"channel {value!r}: a name is written `slack:#name`")
        return value


class PolicyFile(_Strict):
    version: Literal[1]
    roles: dict[str, list[str]] = Field(default_factory=dict)
    namespaces: Namespaces = Field(default_factory=Namespaces)
    rules: list[Rule] = Field(min_length=1)
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    identity: Identity = Field(default_factory=Identity)
    # None (absent): no channel rules; a list: first match wins, and a chat channel (`kind:id`)
    # that no rule matches may read but not ask for writes.
    channels: list[ChannelRule] | None = None
