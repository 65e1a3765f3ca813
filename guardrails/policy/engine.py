"""Evaluate the policy file for one action: allow, needs approval (by whom), or deny, with a
one-line reason a person can read ("needs approval by oncall: prod write")."""

from __future__ import annotations

import fnmatch
import time
from pathlib import Path
from typing import Any

from opsgraph.agent.policy import ActionRequest, Decision
from opsgraph.core.db import Database, Migration, Target, migrate, open_database
from opsgraph.guardrails.policy.channels import ChannelNames, channel_refusal, no_names
from opsgraph.guardrails.policy.loader import default_policy_path, load_policy_file
from opsgraph.guardrails.policy.model import PolicyFile, Rule


def identity(user: str) -> str:
    """People at a terminal are `local:<os-user>`; channels pass qualified ids (`slack:U123`)."""
    return user if ":" in user else f"local:{user}"


_WRITES = (
    Migration(
        1,
        "writes per person",
        sqlite=("CREATE TABLE IF NOT EXISTS policy_writes (who TEXT NOT NULL, at REAL NOT NULL)",),
        postgresql=("CREATE TABLE IF NOT EXISTS policy_writes (who TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",),
        both=("CREATE INDEX IF NOT EXISTS policy_writes_who ON policy_writes(who, at)",),
    ),
)


class WriteCounter:
    """Writes per person, persisted so limits hold across CLI invocations, restarts and replicas."""

    def __init__(self, target: Target) -> None:
        self.db: Database = open_database(target, timeout=10)
        migrate(self.db, "policy", _WRITES)

    def count(self, who: str, window_s: int) -> int:
        row = self.db.query_one(
            "SELECT COUNT(*) FROM policy_writes WHERE who = ? AND at > ?", (who, time.time() - window_s)
        )
        return int(row[0]) if row else 0

    def add(self, who: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO policy_writes (who, at) VALUES (?, ?)", (who, time.time()))


class PolicyEngine:
    def __init__(self, policy: PolicyFile, counter: WriteCounter | None = None) -> None:
        self.policy = policy
        self._counter = counter
        # A chat app that can name its channels (`slack:#ops` for `slack:C0123`) sets this.
        self.channel_names: ChannelNames = no_names

    @classmethod
    def load(cls, path: Path | None, state_db: Target | None = None) -> PolicyEngine:
        policy = load_policy_file(path or default_policy_path())
        return cls(policy, WriteCounter(state_db) if state_db else None)

    # -- the ActionPolicy interface -------------------------------------------------------------
    def decide(self, request: ActionRequest) -> Decision:
        refused = channel_refusal(self.policy.channels, request.channel, request.risk, request.args, self.channel_names)
        if refused is not None:
            return Decision("deny", refused)
        namespace = request.args.get("namespace")
        allowed = self.policy.namespaces.allowed
        if allowed and isinstance(namespace, str) and not _matches_any(namespace, allowed):
            return Decision("deny", f"denied: namespace {namespace} is not allowed by policy")
        who = identity(request.requester)
        limit = self.policy.rate_limits.writes_per_user
        if request.risk != "read" and limit and self._counter:
            used = self._counter.count(who, limit.per_seconds)
            if used >= limit.count:
                return Decision(
                    "deny",
                    f"denied: rate limit reached ({limit.count} writes per {limit.per_seconds}s for {who})",
                )
        rule = self._first_match(request)
        if rule is None:
            return Decision("deny", "denied: no policy rule allows this action")
        untrusted = request.risk != "read" and (request.source == "alert" or request.untrusted_args)
        if rule.effect == "deny":
            return Decision("deny", f"denied: {rule.reason or rule.name}")
        if rule.effect == "allow" and not untrusted:
            return Decision("allow", f"allowed: {rule.reason or rule.name}")
        approvers = tuple(rule.approvers) or ("any",)
        reason = rule.reason or rule.name
        if untrusted:
            reason = f"{reason}; proposed from untrusted content (an alert or tool output)"
        who_may = "anyone" if approvers == ("any",) else ", ".join(approvers)
        return Decision("approve", f"needs approval by {who_may}: {reason}", approvers, rule.two_person)

    def check_approver(
        self, request: ActionRequest, decision: Decision, approver: str, groups: tuple[str, ...] = ()
    ) -> str | None:
        who = identity(approver)
        if decision.two_person and who == identity(request.requester):
            return f"{decision.reason.split(':', 1)[-1].strip()} needs a second person: {who} asked for it"
        if "any" in decision.approvers:
            return None
        roles = self.roles_of(who, groups)
        if not roles & set(decision.approvers):
            return f"{who} may not approve this (needs role {' or '.join(decision.approvers)})"
        return None

    def record_execution(self, request: ActionRequest) -> None:
        if self._counter and request.risk != "read":
            self._counter.add(identity(request.requester))

    # -- helpers -------------------------------------------------------------------------------
    def may_assert(self, *, host: str, os_user: str, name: str) -> bool:
        """May `os_user` on `host` act as `name` (a bot account speaking for people)?"""
        return any(
            _matches_any(host, rule.hosts) and _matches_any(os_user, rule.os_users) and _matches_any(name, rule.names)
            for rule in self.policy.identity.may_assert
        )

    def roles_of(self, who: str, groups: tuple[str, ...] = ()) -> set[str]:
        ids = (who, *groups)
        return {role for role, members in self.policy.roles.items() if any(_matches_any(i, members) for i in ids)}

    def environment_of(self, namespace: str | None) -> str | None:
        if not namespace:
            return None
        for env, patterns in self.policy.namespaces.environments.items():
            if _matches_any(namespace, patterns):
                return env
        return None

    def _first_match(self, request: ActionRequest) -> Rule | None:
        env = self.environment_of(request.args.get("namespace"))
        for rule in self.policy.rules:
            if rule.tools and not _matches_any(request.tool, rule.tools):
                continue
            if rule.risk and request.risk not in rule.risk:
                continue
            if rule.environments and env not in rule.environments:
                continue
            if not all(_holds(request.args.get(arg), cond) for arg, cond in rule.when.items()):
                continue
            return rule
        return None


def _matches_any(value: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _holds(value: Any, condition: Any) -> bool:
    if not isinstance(condition, dict):
        return bool(value == condition)
    if value is None:
        return False
    checks = {
        "eq": lambda v, c: v == c,
        "ne": lambda v, c: v != c,
        "lt": lambda v, c: v < c,
        "lte": lambda v, c: v <= c,
        "gt": lambda v, c: v > c,
        "gte": lambda v, c: v >= c,
        "in": lambda v, c: v in c,
    }
    try:
        return all(checks[op](value, operand) for op, operand in condition.items())
    except TypeError:
        return False
