"""Channel rules in the action policy: a channel that may not ask for writes, or may not touch a
namespace, is refused before anything is planned for approval.

Requests carry their channel as `cli`, `alerts`, or `<chat>:<id>` (`slack:C0123ABCD`). A chat app
can name its channels (`slack:#ops`, `slack:im`) through `ChannelNames`; a rule matches the id or
any of its names. First match wins. A chat channel no rule matches may read, not write; any other
channel no rule matches is governed by the rules alone."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from opsgraph.guardrails.policy.model import ChannelRule

# "slack:C0123" -> ("slack:#ops",); () when it has no other name; None when its names cannot be
# known (the chat API unreachable, the channel not listed): rules by name then cannot be checked.
ChannelNames = Callable[[str], tuple[str, ...] | None]


def no_names(channel: str) -> tuple[str, ...] | None:
    return ()


def rule_for(rules: list[ChannelRule], channel: str, names: ChannelNames = no_names) -> ChannelRule | None:
    known = names(channel)
    if known is None and any("#" in r.channel for r in rules):
        # It might be a channel a rule names; granting it a catch-all rule's rights could give it
        # more than its own rule does. Reads only, until its name can be read.
        return ChannelRule(channel=channel, writes=False)
    candidates = (channel, *(known or ()))
    for rule in rules:
        if any(fnmatch.fnmatchcase(c, rule.channel) for c in candidates):
            return rule
    if ":" in channel:  # a chat channel nobody listed: reads only
        return ChannelRule(channel=channel, writes=False)
    return None


def channel_refusal(
    rules: list[ChannelRule] | None, channel: str, risk: str, args: dict[str, Any], names: ChannelNames = no_names
) -> str | None:
    """Why this channel may not ask for this action, or None."""
    if rules is None:
        return None
    rule = rule_for(rules, channel, names)
    if rule is None:
        return None
    known = names(channel)
    shown = next((n for n in known or () if "#" in n), channel)
    if risk != "read" and not rule.writes:
        unknown = " (its name cannot be read now, and the policy names channels)" if known is None else ""
        return f"denied: this channel ({shown}) may not ask for changes{unknown}; ask in a channel that may"
    namespace = args.get("namespace")
    if isinstance(namespace, str) and not any(fnmatch.fnmatchcase(namespace, p) for p in rule.namespaces):
        return f"denied: this channel ({shown}) may not touch namespace {namespace}"
    return None
