"""The assistant in Slack, framework free: Bolt listeners (app.py) call these methods after they
have acknowledged Slack. A Slack thread is one agent conversation (`slack:<channel>:<thread ts>`);
the person is `slack:<user id>`; the channel's rules travel as the request's channel
(`slack:<channel id>`; the action policy's `channels:` rules apply to it)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from opsgraph.channels.slack.blocks import context, escape, mention, section
from opsgraph.channels.slack.identity import GroupDirectory, user_identity
from opsgraph.channels.slack.progress import ProgressMessage, accepts_on_step
from opsgraph.channels.slack.render import decided_blocks, progress_blocks, turn_blocks, turn_text

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+>")
VERDICTS = {"approved": "✅ Approved", "executed": "✅ Approved", "denied": "⛔ Denied", "expired": "⌛ Expired"}


def conversation_id(channel: str, thread_ts: str) -> str:
    return f"slack:{channel}:{thread_ts}"


class SlackAssistant:
    def __init__(
        self,
        agent: Any,
        poster: Any,
        groups: GroupDirectory,
        *,
        track_record: Callable[[str], str | None] | None = None,
        cards: Any = None,
    ) -> None:
        self.agent = agent
        self.poster = poster
        self.groups = groups
        self.track_record = track_record or (lambda approval_id: None)
        self.cards = cards  # ApprovalCards: posted approval buttons, for the expiry sweep
        self._deciding: set[str] = set()
        self._lock = threading.Lock()
        self._progress = accepts_on_step(agent.handle)

    # -- a message (mention, DM, /ops) ----------------------------------------------------------
    def ask(
        self,
        *,
        text: str,
        user: str,
        channel: str,
        thread_ts: str,
        source: str = "human",
        proposal: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Run one turn and answer in the thread: a progress message first, replaced by the answer."""
        from opsgraph.agent.service import AgentRequest, ProposedCall

        text = _MENTION.sub("", text).strip()
        if not text:
            text = "help"
        first = self.poster.call(
            "chat.postMessage",
            durable=False,
            channel=channel,
            thread_ts=thread_ts,
            text="working on it…",
            blocks=progress_blocks([]),
        )
        progress = ProgressMessage(self.poster, channel, first.get("ts") if first else None)
        # People talking in an incident's thread get their own conversation: a new message in
        # the responder's conversation would leave its pending proposal behind.
        thread_id = conversation_id(channel, thread_ts)
        request = AgentRequest(
            text=text[:8000],
            user=user_identity(user),
            channel=f"slack:{channel}",
            thread_id=thread_id,
            source="alert" if source == "alert" else "human",
            # A button's fix arrives as structure and runs as exactly that call.
            proposal=ProposedCall.model_validate(proposal) if proposal else None,
        )
        try:
            result = self.agent.handle(request, on_step=progress) if self._progress else self.agent.handle(request)
        except Exception:
            log.exception("turn failed in %s", thread_id)
            return self._answer(channel, thread_ts, progress.ts, "⚠️ something went wrong on my side; it is logged", [])
        blocks = self.blocks_for(result)
        posted = self._answer(channel, thread_ts, progress.ts, turn_text(result), blocks)
        self._remember(posted, channel, blocks, result)
        return posted

    def blocks_for(self, result: Any) -> list[dict[str, Any]]:
        hashes, records = {}, {}
        for approval in result.approvals:
            stored = self.agent.approvals.get(approval.id)
            hashes[approval.id] = stored.action_hash if stored else ""
            record = self.track_record(approval.id)
            if record:
                records[approval.id] = record
        return turn_blocks(result, hashes, records)

    def post_result(
        self, channel: str, thread_ts: str, result: Any, *, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """`metadata`: Slack message metadata that lets a later process find this post."""
        blocks = self.blocks_for(result)
        extra = {"metadata": metadata} if metadata is not None else {}
        posted = self.poster.call(
            "chat.postMessage", channel=channel, thread_ts=thread_ts, text=turn_text(result), blocks=blocks, **extra
        )
        self._remember(posted, channel, blocks, result)
        return posted

    def _remember(self, posted: dict[str, Any] | None, channel: str, blocks: list[Any], result: Any) -> None:
        waiting = [a for a in result.approvals if a.status == "pending"]
        if self.cards is not None and waiting:
            self.cards.remember(posted, channel, blocks, waiting)

    # -- Approve / Deny ------------------------------------------------------------------------
    def decide(
        self, *, value: str, approve: bool, user: str, channel: str, message_ts: str, thread_ts: str | None
    ) -> str:
        """A click. Returns what the clicker is told privately ('' when the thread says it all)."""
        approval_id, _, action_hash = value.partition("|")
        stored = self.agent.approvals.get(approval_id)
        if stored is None:
            return f"there is no approval {approval_id}"
        if action_hash and stored.action_hash != action_hash:
            return f"approval {approval_id} is bound to a different action; ask again"
        with self._lock:
            if approval_id in self._deciding:
                return f"approval {approval_id} is already being decided"
            self._deciding.add(approval_id)
        try:
            by = user_identity(user)
            groups = self.groups.groups_of(user)
            result = self.agent.decide(approval_id, approve=approve, by=by, groups=groups)
        finally:
            with self._lock:
                self._deciding.discard(approval_id)
        now = self.agent.approvals.get(approval_id) or stored
        status = "expired" if now.status in ("pending", "approved") and now.expired() else now.status
        refusal = next((a.refusal for a in result.approvals if a.id == approval_id and a.refusal), None)
        if status == "pending":
            return f"not approved: {refusal or result.reply}"
        if result.status == "refused" and not result.approvals and status != "expired":
            # Already decided (a double click, another person, another process): say so, run nothing.
            return result.reply
        verdict = VERDICTS.get(status, status)
        who = now.decided_by or by
        if self.cards is not None:
            self.cards.close(approval_id)
        self.poster.call(
            "chat.update",
            channel=channel,
            ts=message_ts,
            text=f"{verdict}: {now.tool} ({approval_id})",
            blocks=decided_blocks(now, verdict, who),
        )
        self.post_result(channel, thread_ts or message_ts, result)
        return ""

    def notice(self, channel: str, thread_ts: str, text: str) -> None:
        self.poster.call("chat.postMessage", channel=channel, thread_ts=thread_ts, text=text, blocks=[context(text)])

    # -- helpers -------------------------------------------------------------------------------
    def _answer(
        self, channel: str, thread_ts: str, ts: str | None, text: str, blocks: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        blocks = blocks or [section(escape(text))]
        if ts is not None:
            # Not durable: if the update fails, the answer is posted (and kept) as a new message.
            done = self.poster.call("chat.update", durable=False, channel=channel, ts=ts, text=text, blocks=blocks)
            if done is not None:
                return done
        return self.poster.call("chat.postMessage", channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)


def asked_by(user: str, text: str) -> str:
    return f"{mention(user_identity(user))} asked: {escape(text)}"
