"""A process that dies after Slack accepted its post, before it recorded it: the next process
(a restart on SQLite, the next leader on PostgreSQL) finds the message by its metadata and adopts
it instead of posting again. Slack is the local Web API server; "dies" is an exception raised
right after the post returned (`tests/storage/test_replica_incidents.py` does it with SIGKILL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.slack.mock_slack import SlackAPI, slack_api
from tests.storage.conftest import Targets

CHANNEL = "C0INC"


class Died(BaseException):
    """The process stopped (what SIGKILL does to a real one, without killing pytest)."""


class DiesAfterPosting:
    """A poster whose process dies once Slack has accepted its `n`-th top-level or thread post."""

    def __init__(self, poster: Any, thread: bool = False, after: int = 1) -> None:
        self.poster, self.thread, self.left = poster, thread, after

    def call(self, method: str, **payload: Any) -> Any:
        data = self.poster.call(method, **payload)
        if method == "chat.postMessage" and bool(payload.get("thread_ts")) == self.thread:
            self.left -= 1
            if self.left == 0:
                raise Died
        return data

    def read(self, method: str, **params: Any) -> Any:
        return self.poster.read(method, **params)


class Assistant:
    """Renders an answer as plain text (the real one renders Block Kit; tests/slack cover it)."""

    def __init__(self, poster: Any) -> None:
        self.poster = poster

    def post_result(self, channel: str, thread_ts: str, result: Any, *, metadata: Any = None) -> Any:
        extra = {"metadata": metadata} if metadata else {}
        return self.poster.call("chat.postMessage", channel=channel, thread_ts=thread_ts, text=result.reply, **extra)


def _snapshot(alerts: int) -> Any:
    return SimpleNamespace(id="inc-7", noise=False, severity="critical", status="firing", alert_count=alerts,
                           firing=alerts, actions=[], blast_radius=["cart"], opened_at=0.0, last_at=60.0)  # fmt: skip


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackAPI]:
    from opsgraph.channels.slack import incidents as module

    monkeypatch.setattr(module, "incident_blocks", lambda s: [])
    monkeypatch.setattr(module, "incident_text", lambda s: f"incident {s.id}: {s.alert_count} alerts")
    with slack_api() as server:
        yield server


def _process(api: SlackAPI, target: Targets, wrap: Any = None) -> Any:
    """One opsgraph process's incident poster on the shared state."""
    from opsgraph.channels.slack.config import SlackConfig
    from opsgraph.channels.slack.incidents import SlackIncidents
    from opsgraph.channels.slack.webapi import Poster, web_client

    poster: Any = Poster(web_client("xoxb-1", api.url, 0), target("outbox"))
    poster = wrap(poster) if wrap else poster
    incidents = SlackIncidents(poster, SlackConfig(), target("slack"), fallback_channel=CHANNEL)
    incidents.assistant = Assistant(incidents.poster)
    return incidents


def _top_level(api: SlackAPI) -> list[dict[str, Any]]:
    return [m for m in api.messages(CHANNEL) if not m.get("thread_ts")]


def _post_and_die(api: SlackAPI, target: Targets) -> None:
    """A process posts the incident and dies the moment Slack has accepted the post."""
    first = _process(api, target, DiesAfterPosting)
    with pytest.raises(Died):
        first(_snapshot(2))
    first.close()


def test_a_post_accepted_before_the_process_died_is_adopted_not_posted_again(api: SlackAPI, target: Targets) -> None:
    _post_and_die(api, target)
    (message,) = _top_level(api)
    assert message["metadata"]["event_payload"]["incident"] == "inc-7"

    second = _process(api, target)  # the restarted process, or the next leader
    posted = second(_snapshot(3))
    assert posted is not None and posted.ts == message["ts"]
    (shown,) = _top_level(api)  # still one message, now showing the incident as it is
    assert shown["text"] == "incident inc-7: 3 alerts" and shown["edits"] == 1
    assert [m["text"] for m in api.thread(message["ts"])] == ["1 new alert (3 in all, 3 firing)"]
    assert second(_snapshot(4)).ts == message["ts"]
    assert len(_top_level(api)) == 1
    second.close()


def test_the_sweep_adopts_it_without_waiting_for_new_alerts(api: SlackAPI, target: Targets) -> None:
    _post_and_die(api, target)
    second = _process(api, target)
    second.pipeline = SimpleNamespace(leader=True, snapshots=lambda: [_snapshot(2)])
    second.sweep()
    (message,) = _top_level(api)
    assert second.posted("inc-7").ts == message["ts"]
    second.close()


def test_a_claim_with_no_message_is_posted_once_its_claimant_cannot_still_be_posting(
    api: SlackAPI, target: Targets
) -> None:
    from opsgraph.channels.slack.incidents import CLAIM_GRACE_S

    incidents = _process(api, target)
    with incidents.db.transaction() as tx:  # a process claimed the post, then died before making it
        tx.execute(f"INSERT INTO slack_incidents VALUES ('inc-7', '{CHANNEL}', '', 2, 'firing', ?)", (time.time(),))
    assert incidents(_snapshot(2)) is None and _top_level(api) == []  # it may still be posting
    with incidents.db.transaction() as tx:
        tx.execute("UPDATE slack_incidents SET posted_at = ?", (time.time() - CLAIM_GRACE_S - 1,))
    assert incidents(_snapshot(2)) is not None
    assert incidents(_snapshot(3)) is not None
    assert len(_top_level(api)) == 1
    incidents.close()


def test_without_the_history_scope_an_unconfirmed_post_is_not_repeated_early(api: SlackAPI, target: Targets) -> None:
    _post_and_die(api, target)
    api.fail("conversations.history", status=200, times=10, error="missing_scope")
    second = _process(api, target)
    with second.db.transaction() as tx:  # past the grace a lookup would allow, not yet stale
        tx.execute("UPDATE slack_incidents SET posted_at = posted_at - 60")
    assert second(_snapshot(3)) is None
    assert len(_top_level(api)) == 1
    second.close()


def test_the_agent_answer_cut_short_is_completed_not_repeated(api: SlackAPI, target: Targets) -> None:
    answers = [SimpleNamespace(reply="incident inc-7: 3 alerts in cart"), SimpleNamespace(reply="Restart prod/cart?")]
    first = _process(api, target, lambda p: DiesAfterPosting(p, thread=True))
    first(_snapshot(2))
    run = first.begin_answer(_snapshot(2), rank=2)
    assert run is not None
    with pytest.raises(Died):  # it died once Slack had its first answer
        first.post("incident-inc-7", answers[0])
    first.close()

    second = _process(api, target)
    run = second.begin_answer(_snapshot(3), rank=2)
    assert run is not None  # never confirmed: resumed
    for answer in answers:  # the agent answers again; what the thread holds is not posted again
        second.post("incident-inc-7", answer)
    second.end_answer(run)
    (post,) = _top_level(api)
    assert [m["text"] for m in api.thread(post["ts"])] == [a.reply for a in answers]

    assert second.begin_answer(_snapshot(4), rank=2) is None  # answered: never again at this severity
    assert second.begin_answer(_snapshot(4), rank=1) is None
    assert second.begin_answer(_snapshot(4), rank=3) is not None  # an escalation is answered
    second.close()
