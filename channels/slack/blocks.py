"""Block Kit primitives and limits: escaping, sections, code blocks, and `fit()`, which keeps a
message inside Slack's limits (50 blocks, 3000 characters per text field)."""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FALLBACK = 3000  # the notification text; Slack allows more, nobody reads more
CUT = "…"

Block = dict[str, Any]


def escape(text: str) -> str:
    """Plain text for mrkdwn: no links, mentions (<!channel>) or formatting smuggled in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}


def code(text: str) -> Block:
    """A preformatted block; text inside cannot close the fence or mention anyone."""
    body = escape(text).replace("```", "`\u200b``") or " "
    fence = "```"
    room = MAX_TEXT - 2 * len(fence) - 2
    if len(body) > room:
        cut_lines = body[:room].count("\n")
        more = body.count("\n") - cut_lines
        tail = f"\n{CUT} +{more} more lines" if more > 0 else CUT
        body = body[: room - len(tail)] + tail
    return section(f"{fence}\n{body}\n{fence}")


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, 75), "emoji": True},
        "action_id": action_id,
        "value": clip(value, 2000),
    }
    if style:
        element["style"] = style
    return element


def actions(block_id: str, elements: list[Block]) -> Block:
    return {"type": "actions", "block_id": clip(block_id, 255), "elements": elements[:25]}


def mention(identity: str) -> str:
    """`slack:U123` as a Slack mention; other identities as written."""
    if identity.startswith("slack:"):
        return f"<@{identity.removeprefix('slack:')}>"
    return escape(identity)


def timestamp(epoch: float, fallback: str) -> str:
    """A date every reader sees in their own time zone."""
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def fit(blocks: list[Block], note: str = "the rest is in the audit log (`opsgraph audit`)") -> list[Block]:
    """At most MAX_BLOCKS blocks; what is cut is said, never silently dropped. Trailing action
    blocks (buttons) are kept: they are what a person came for."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail: list[Block] = []
    while blocks and blocks[-1]["type"] == "actions" and len(tail) < 10:
        tail.insert(0, blocks.pop())
    room = MAX_BLOCKS - len(tail) - 1
    cut = len(blocks) - room
    return [*blocks[:room], context(f"{CUT} {cut} more blocks not shown: {note}"), *tail]


def fallback(text: str) -> str:
    return clip(text, MAX_FALLBACK)
