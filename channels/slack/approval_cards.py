"""Approval cards that update themselves: every message posted with Approve / Deny buttons is
remembered; a sweep (every few seconds) finds the cards whose approval has expired and edits
the message: the buttons go, "⌛ expired, nobody decided" takes their place. A card decided from
somewhere else (`opsgraph approve` in a terminal) says who decided it, at the latest when it would
have expired. A click closes its card at once (conversation.py edits the message itself)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opsgraph.channels.slack.blocks import Block, context, escape, mention, timestamp
from opsgraph.core.db import Database, Migration, Target, migrate, open_database

log = logging.getLogger(__name__)

MIGRATIONS = (
    Migration(
        1,
        "approval cards posted in Slack",
        both=(
            """CREATE TABLE IF NOT EXISTS slack_approval_cards (
    approval_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    blocks TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    open INTEGER NOT NULL DEFAULT 1
)""",
            "CREATE INDEX IF NOT EXISTS slack_approval_cards_due ON slack_approval_cards(open, expires_at)",
        ),
    ),
)


@dataclass(frozen=True)
class Card:
    approval_id: str
    channel: str
    ts: str
    blocks: list[Block]
    expires_at: float


class ApprovalCards:
    """Stored through `opsgraph.core.db`: a SQLite file, or the PostgreSQL database replicas share."""

    def __init__(self, target: Target) -> None:
        self.db: Database = open_database(target, timeout=10)
        self._owned = self.db is not target
        migrate(self.db, "slack_approval_cards", MIGRATIONS)

    def remember(self, posted: dict[str, Any] | None, channel: str, blocks: list[Block], approvals: list[Any]) -> None:
        """A message just posted (or edited) with these approvals' buttons."""
        if posted is None or not approvals or not posted.get("ts"):
            return
        where = str(posted.get("channel") or channel)
        with self.db.transaction() as tx:
            for approval in approvals:
                tx.execute(
                    "INSERT INTO slack_approval_cards (approval_id, channel, ts, blocks, expires_at, open)"
                    " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (approval_id) DO UPDATE SET channel = excluded.channel,"
                    " ts = excluded.ts, blocks = excluded.blocks, expires_at = excluded.expires_at, open = 1",
                    (approval.id, where, str(posted["ts"]), json.dumps(blocks), float(approval.expires_at)),
                )

    def close(self, approval_id: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE slack_approval_cards SET open = 0 WHERE approval_id = ?", (approval_id,))

    def due(self, now: float) -> list[Card]:
        rows = self.db.query(
            "SELECT approval_id, channel, ts, blocks, expires_at FROM slack_approval_cards"
            " WHERE open = 1 AND expires_at <= ? ORDER BY expires_at",
            (now,),
        )
        return [Card(r[0], r[1], r[2], json.loads(r[3]), float(r[4])) for r in rows]

    def open_count(self) -> int:
        row = self.db.query_one("SELECT COUNT(*) FROM slack_approval_cards WHERE open = 1")
        return int(row[0]) if row else 0

    def replace_blocks(self, channel: str, ts: str, blocks: list[Block]) -> None:
        """Other cards in the same message keep their buttons, in the edited message."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE slack_approval_cards SET blocks = ? WHERE channel = ? AND ts = ?",
                (json.dumps(blocks), channel, ts),
            )

    def close_db(self) -> None:
        if self._owned:
            self.db.close()


def settled_blocks(blocks: list[Block], approval_id: str, note: str) -> list[Block]:
    """The message with this approval's buttons replaced by `note`."""
    out: list[Block] = []
    for block in blocks:
        if block.get("type") == "actions" and block.get("block_id") == f"approval:{approval_id}":
            out.append(context(note))
        else:
            out.append(block)
    return out


def expiry_note(approval: Any, expired_at: float) -> str:
    """What the card says once it is settled without a click."""
    if approval is not None and approval.status in ("executed", "approved", "executing"):
        return f"✅ Approved by {mention(approval.decided_by or 'someone')} outside Slack · `{approval.id}`"
    if approval is not None and approval.status == "denied":
        return f"⛔ Denied by {mention(approval.decided_by or 'someone')} outside Slack · `{approval.id}`"
    when = datetime.fromtimestamp(expired_at, UTC).strftime("%H:%M UTC")
    approval_id = approval.id if approval is not None else "?"
    return f"⌛ Expired {timestamp(expired_at, when)}: nobody decided, nothing ran; ask again · `{escape(approval_id)}`"


class ExpirySweep:
    """Edits the cards of approvals that expired (or were decided outside Slack)."""

    def __init__(self, cards: ApprovalCards, approvals: Any, poster: Any) -> None:
        self.cards = cards
        self.approvals = approvals
        self.poster = poster

    def sweep(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        edited = 0
        for card in self.cards.due(now):
            approval = self.approvals.get(card.approval_id)
            if approval is not None and approval.status == "pending" and not approval.expired(now):
                continue  # its expiry moved (it cannot today); look again later
            blocks = settled_blocks(card.blocks, card.approval_id, expiry_note(approval, card.expires_at))
            text = (
                f"⌛ approval {card.approval_id} expired" if "Expired" in str(blocks) else f"{card.approval_id} decided"
            )
            done = self.poster.call(
                "chat.update", durable=False, channel=card.channel, ts=card.ts, text=text, blocks=blocks
            )
            if done is None:
                continue  # Slack did not take it: the card stays due and the next sweep tries again
            self.cards.replace_blocks(card.channel, card.ts, blocks)
            self.cards.close(card.approval_id)
            edited += 1
        return edited

    def start(self, every_s: float) -> threading.Event:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.sweep()
                except Exception:
                    log.exception("updating expired approval cards failed")

        threading.Thread(target=loop, name="slack-approval-expiry", daemon=True).start()
        return stop
