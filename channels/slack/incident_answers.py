"""The agent's answers in an incident's thread, once per incident and severity, whichever replica
makes them and across restarts.

The responder remembers what it answered in memory only, so a replica that takes over the lead
(or a restarted one) would answer an incident again when it next grows. Here each answer run is
recorded in the state database: claimed (`answering`) before the agent runs, `answered` once
its posts returned. A run found claimed but never confirmed was cut short (its process died,
maybe after Slack accepted some of its posts): the thread is read (`conversations.replies`
with metadata) and only the posts it does not hold yet are made. Each post carries metadata
`opsgraph_answer` with the key `<incident>:<rank>:<part>`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from opsgraph.channels.slack.post_lookup import EVENT_ANSWER, LookupFailed, find_keys, metadata
from opsgraph.core.db import Database

log = logging.getLogger(__name__)

TABLE = """CREATE TABLE IF NOT EXISTS slack_answers (
    incident TEXT NOT NULL,
    rank INTEGER NOT NULL,
    state TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    PRIMARY KEY (incident, rank)
)"""


@dataclass
class AnswerRun:
    """One answer run: which posts of it the thread already holds (from a run cut short)."""

    incident: str
    rank: int
    posted: set[str] = field(default_factory=set)
    parts: int = 0

    def next_post(self) -> tuple[str, dict[str, Any] | None]:
        """The next post's key and its metadata, or None for metadata when the thread holds it."""
        key = f"{self.incident}:{self.rank}:{self.parts}"
        self.parts += 1
        return key, None if key in self.posted else metadata(EVENT_ANSWER, key, incident=self.incident)


class AnswerLedger:
    def __init__(self, db: Database, poster: Any) -> None:
        self.db = db
        self.poster = poster

    def begin(self, incident: str, rank: int, thread: tuple[str, str] | None) -> AnswerRun | None:
        """Claim answering `incident` at severity `rank`; None when it was answered at that rank
        or above already. A claim found unconfirmed is resumed: `thread` is the incident's
        (channel, ts), where the run cut short may have posted."""
        done = self.db.query_one(
            "SELECT max(rank) FROM slack_answers WHERE incident = ? AND state = 'answered'", (incident,)
        )
        if done is not None and done[0] is not None and int(done[0]) >= rank:
            return None
        now = time.time()
        with self.db.transaction() as tx:
            claimed = tx.execute(
                "INSERT INTO slack_answers VALUES (?, ?, 'answering', ?) ON CONFLICT (incident, rank) DO NOTHING",
                (incident, rank, now),
            ).rowcount
        if claimed == 1:
            return AnswerRun(incident, rank)
        row = self.db.query_one(
            "SELECT state, claimed_at FROM slack_answers WHERE incident = ? AND rank = ?", (incident, rank)
        )
        if row is None or row[0] == "answered":
            return None
        return self._resume(incident, rank, float(row[1]), thread)

    def _resume(self, incident: str, rank: int, claimed_at: float, thread: tuple[str, str] | None) -> AnswerRun:
        run = AnswerRun(incident, rank)
        if thread is None:
            return run  # no incident post: the answers went to the log, nothing to look up
        prefix = f"{incident}:{rank}:"
        try:
            keys = find_keys(self.poster, thread[0], EVENT_ANSWER, since=claimed_at, thread_ts=thread[1])
        except LookupFailed as exc:
            log.warning("incident %s: answering it was cut short and its thread cannot be read (%s); "
                        "answering again", incident, exc)  # fmt: skip
            return run
        run.posted = {k for k in keys if k.startswith(prefix)}
        log.warning("incident %s: resuming an answer cut short (%d post(s) already in its thread)",
                    incident, len(run.posted))  # fmt: skip
        return run

    def done(self, run: AnswerRun) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE slack_answers SET state = 'answered' WHERE incident = ? AND rank = ?", (run.incident, run.rank)
            )
