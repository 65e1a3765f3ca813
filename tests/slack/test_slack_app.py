"""Signed requests into the Bolt app over HTTP (the `opsgraph serve` app), against the sandbox
cluster, with Slack's Web API answered by a local server that records calls."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.slack.conftest import SECRET, SlackHarness, sign
from tests.slack.mock_slack import block_text


def answer(h: SlackHarness, thread_ts: str, words: str) -> dict[str, Any]:
    """The thread's final answer containing `words` (progress lines start with ⏳ or ✓)."""

    def find() -> list[dict[str, Any]]:
        return [
            m for m in h.api.thread(thread_ts)
            if m["edits"] and words in block_text(m["blocks"]) and not m["text"].startswith(("⏳", "✓", "working"))
            and "⏳" not in block_text(m["blocks"])
        ]  # fmt: skip

    found: list[dict[str, Any]] = h.api.wait_for(find, what=f"an answer with {words!r}")
    return found[0]


def approval_message(h: SlackHarness, thread_ts: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        for m in h.api.thread(thread_ts):
            for b in m.get("blocks") or []:
                if b.get("type") == "actions" and b["block_id"].startswith("approval:"):
                    return m
        return None

    found: dict[str, Any] = h.api.wait_for(find, what="an approval message")
    return found


def button_value(message: dict[str, Any], action_id: str) -> str:
    for b in message["blocks"]:
        for e in b.get("elements", []):
            if e.get("action_id") == action_id:
                return str(e["value"])
    raise AssertionError(f"no {action_id} button")


def replicas(sandbox: Any, name: str = "checkout", namespace: str = "prod") -> int:
    return int(sandbox.apps().read_namespaced_deployment(name, namespace).spec.replicas)


# -- signatures -------------------------------------------------------------------------------


def test_forged_stale_and_unsigned_requests_are_refused(harness: SlackHarness) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention", "user": "U1", "text": "scale",
                       "channel": "C1", "ts": "1.0"}})  # fmt: skip
    forged = sign(body, secret="not-the-secret")
    stale = sign(body, timestamp=int(time.time()) - 6 * 60)
    tampered = sign(body.replace("scale", "xxxxx"))
    for headers in (forged, stale, tampered, {}):
        response = harness.post("/slack/events", body, "application/json", headers=headers)
        assert response.status_code == 401, headers
    assert harness.api.ok_calls("chat.postMessage") == []  # nothing answered a refused request
    challenge = json.dumps({"type": "url_verification", "challenge": "abc"})
    assert harness.post("/slack/events", challenge, "application/json").json() == {"challenge": "abc"}


# -- conversations ----------------------------------------------------------------------------


def test_a_mention_is_answered_in_its_thread_by_one_message(harness: SlackHarness) -> None:
    ts = harness.mention("status of checkout in prod")
    h = harness.api
    final = answer(harness, ts, "3/3")
    (message,) = h.thread(ts)  # the progress message became the answer; no second post
    assert message["ts"] == final["ts"] and message["channel"] == "C0OPS"
    first = h.ok_calls("chat.postMessage")[0]
    assert "working on it" in first["text"]  # shown at once, before the turn ran
    steps = [u for u in h.ok_calls("chat.update") if u["ts"] == message["ts"]]
    assert len(steps) >= 2 and "checking prod/checkout" in block_text(steps[0]["blocks"])  # progress, then answer


def test_slash_command_acknowledges_at_once_and_answers_in_a_thread(harness: SlackHarness) -> None:
    start = time.monotonic()
    response = harness.command("status of checkout in prod")
    assert response.status_code == 200 and time.monotonic() - start < 3
    h = harness.api
    question = h.wait_for(lambda: [m for m in h.messages("C0OPS") if "asked" in m["text"]])[0]
    assert "<@UASKER>" in question["text"] and "thread_ts" not in question
    answer(harness, question["ts"], "3/3")


def test_an_empty_slash_command_says_how_to_use_it(harness: SlackHarness) -> None:
    response = harness.command("")
    assert response.status_code == 200 and "/ops status of prod" in response.text
    assert harness.api.ok_calls("chat.postMessage") == []


def test_a_direct_message_is_answered_and_bot_messages_are_ignored(harness: SlackHarness) -> None:
    for event in (
        {"type": "message", "channel_type": "im", "channel": "D0DM", "user": "UASKER", "text": "help", "ts": "5.1"},
        {"type": "message", "channel_type": "im", "channel": "D0DM", "bot_id": "BX", "text": "help", "ts": "5.2"},
        {"type": "message", "channel_type": "channel", "channel": "C0OPS", "user": "UASKER", "text": "hi", "ts": "5.3"},
    ):
        assert harness.event(event).status_code == 200
    h = harness.api
    answer(harness, "5.1", "help")
    time.sleep(0.5)
    assert {m.get("thread_ts") for m in h.messages()} == {"5.1"}


# -- approvals --------------------------------------------------------------------------------


def test_approve_by_a_person_without_the_role_leaves_it_pending_then_oncall_runs_it_once(
    harness: SlackHarness, sandbox: Any
) -> None:
    h = harness.api
    ts = harness.mention("scale checkout in prod to 5")
    message = approval_message(harness, ts)
    text = block_text(message["blocks"])
    assert "replicas: 3 → 5" in text and "<@UASKER>" in text and "needs approval by oncall" in text
    value = button_value(message, "opsgraph_approve")
    approval_id, action_hash = value.split("|")
    assert approval_id.startswith("apr-") and len(action_hash) >= 16

    harness.click("opsgraph_approve", value, "UNOBODY", "C0OPS", message["ts"], ts)
    note = h.wait_for(lambda: h.ok_calls("chat.postEphemeral"), what="a private refusal")[0]
    assert note["user"] == "UNOBODY" and "may not approve" in note["text"]
    assert replicas(sandbox) == 3 and harness.runtime.agent.approvals.get(approval_id).status == "pending"

    harness.click("opsgraph_approve", value, "UONCALL", "C0OPS", message["ts"], ts)
    decided = h.wait_for(lambda: [m for m in h.thread(ts) if "Approved by <@UONCALL>" in block_text(m["blocks"])])
    assert not [b for b in decided[0]["blocks"] if b["type"] == "actions"]  # the buttons are gone
    h.wait_for(lambda: [m for m in h.thread(ts) if "scaled prod/checkout" in m["text"]], what="the outcome")
    assert replicas(sandbox) == 5

    harness.click("opsgraph_approve", value, "UONCALL", "C0OPS", message["ts"], ts)  # a late double click
    h.wait_for(lambda: len(h.ok_calls("chat.postEphemeral")) == 2)
    assert "not waiting" in h.ok_calls("chat.postEphemeral")[-1]["text"]
    executed = [e for e in harness.runtime.agent.audit.entries(event="executed")]
    assert len(executed) == 1 and executed[0].actor in ("slack:UASKER", "slack:UONCALL")
    approved = harness.runtime.agent.audit.entries(event="approved")
    assert [e.actor for e in approved] == ["slack:UONCALL"]


def test_a_simultaneous_double_click_executes_once(harness: SlackHarness, sandbox: Any) -> None:
    h = harness.api
    ts = harness.mention("scale checkout in prod to 4")
    message = approval_message(harness, ts)
    value = button_value(message, "opsgraph_approve")
    clicks = [
        threading.Thread(target=harness.click, args=("opsgraph_approve", value, "UONCALL", "C0OPS", message["ts"], ts))
        for _ in range(2)
    ]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join()
    h.wait_for(lambda: [m for m in h.thread(ts) if "scaled prod/checkout" in m["text"]], what="the outcome")
    h.wait_for(lambda: h.ok_calls("chat.postEphemeral"), what="the second click's note")
    time.sleep(0.5)
    assert replicas(sandbox) == 4
    assert len(harness.runtime.agent.audit.entries(event="executed")) == 1
    assert len([m for m in h.thread(ts) if "scaled prod/checkout" in m["text"]]) == 1
    # the audit shows one approval; a click that lost the race is a repeat, not a second approval
    assert [e.actor for e in harness.runtime.agent.audit.entries(event="approved")] == ["slack:UONCALL"]


def test_deny_click_updates_the_message_and_runs_nothing(harness: SlackHarness, sandbox: Any) -> None:
    h = harness.api
    ts = harness.mention("scale checkout in prod to 6")
    message = approval_message(harness, ts)
    harness.click("opsgraph_deny", button_value(message, "opsgraph_deny"), "UONCALL", "C0OPS", message["ts"], ts)
    h.wait_for(lambda: [m for m in h.thread(ts) if "Denied by <@UONCALL>" in block_text(m["blocks"])])
    assert replicas(sandbox) == 3


def test_a_slack_group_member_may_approve(harness: SlackHarness, sandbox: Any) -> None:
    harness.api.usergroups = [{"id": "SONCALL", "handle": "oncall", "users": ["UGROUPIE"]}]
    h = harness.api
    ts = harness.mention("scale checkout in prod to 5")
    message = approval_message(harness, ts)
    harness.click("opsgraph_approve", button_value(message, "opsgraph_approve"), "UGROUPIE", "C0OPS", message["ts"], ts)
    h.wait_for(lambda: [m for m in h.thread(ts) if "scaled prod/checkout" in m["text"]], what="the outcome")
    assert replicas(sandbox) == 5


def test_a_button_for_a_different_action_hash_is_refused(harness: SlackHarness, sandbox: Any) -> None:
    h = harness.api
    ts = harness.mention("scale checkout in prod to 5")
    message = approval_message(harness, ts)
    approval_id = button_value(message, "opsgraph_approve").split("|")[0]
    harness.click("opsgraph_approve", f"{approval_id}|{'0' * 64}", "UONCALL", "C0OPS", message["ts"], ts)
    note = h.wait_for(lambda: h.ok_calls("chat.postEphemeral"))[0]
    assert "different action" in note["text"] and replicas(sandbox) == 3


# -- channel rules ----------------------------------------------------------------------------


def test_a_channel_not_allowed_to_write_gets_no_approval(harness: SlackHarness, sandbox: Any) -> None:
    ts = harness.mention("scale checkout in prod to 5", channel="C0READONLY")
    reply = answer(harness, ts, "may not ask for changes")
    assert not [b for b in reply["blocks"] if b["type"] == "actions"]
    assert harness.runtime.agent.approvals.find(status="pending") == []
    # Reads are fine there.
    ts2 = harness.mention("status of checkout in prod", channel="C0READONLY")
    answer(harness, ts2, "3/3")


def test_a_channel_limited_to_staging_may_not_touch_prod(harness: SlackHarness) -> None:
    ts = harness.mention("status of checkout in prod", channel="C0STAGING")
    answer(harness, ts, "may not touch namespace prod")


# -- the Web API failing ------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after(harness: SlackHarness) -> None:
    h = harness.api
    h.fail("chat.update", status=429, times=1, Retry_After="0")
    ts = harness.mention("status of checkout in prod")
    answer(harness, ts, "3/3")
    statuses = [c.status for c in h.all_calls("chat.update")]
    assert statuses[:2] == [429, 200]


def test_a_post_that_keeps_failing_is_kept_audited_and_delivered_later(harness: SlackHarness) -> None:
    h = harness.api
    poster = harness.runtime.poster
    h.fail("chat.update", status=500, times=100)
    h.fail("chat.postMessage", status=500, times=100)
    assert poster.call("chat.postMessage", channel="C0OPS", text="the answer") is None
    assert poster.pending() == 1
    failed = harness.runtime.agent.audit.entries(event="slack_post_failed")
    assert failed and failed[-1].data["payload"]["text"] == "the answer"
    assert poster.flush() == 0 and poster.pending() == 1  # still down: kept
    h.failures.clear()
    assert poster.flush() == 1 and poster.pending() == 0
    assert [m["text"] for m in h.messages("C0OPS")] == ["the answer"]


def test_signing_secret_is_required_for_http(api: Any, tmp_path: Any) -> None:
    import pytest

    from opsgraph.channels.slack.runtime import SlackNotConfigured, require
    from opsgraph.channels.slack.settings import SlackSettings

    with pytest.raises(SlackNotConfigured, match="SIGNING_SECRET"):
        require(SlackSettings(bot_token="xoxb-1"), "bot_token", "signing_secret")
    assert SECRET
