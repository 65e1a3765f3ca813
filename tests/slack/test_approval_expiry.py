"""An approval card updates itself when its approval expires (the sweep, not a click): the buttons
go, the card says it expired and nothing ran; one decided from a terminal says who decided it; a
card someone clicked is left alone."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import SlackHarness
from tests.slack.mock_slack import block_text
from tests.slack.test_slack_app import answer


def card(h: SlackHarness, text: str, channel: str = "C0OPS") -> tuple[dict[str, Any], Any]:
    ts = h.mention(text, channel=channel)
    message = answer(h, ts, "Approve")
    (approval,) = h.runtime.agent.approvals.find(status="pending")
    return message, approval


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == "actions"]


def now_of(h: SlackHarness, ts: str) -> dict[str, Any]:
    return next(m for m in h.api.messages() if m["ts"] == ts)


def test_an_expired_approval_card_loses_its_buttons_and_says_so(harness: SlackHarness, sandbox: Any) -> None:
    message, approval = card(harness, "scale checkout in staging to 4")
    sweep = harness.runtime.expiry
    assert buttons(message) and sweep.sweep(now=approval.expires_at - 1) == 0  # not yet
    assert sweep.sweep(now=approval.expires_at + 1) == 1
    shown = now_of(harness, message["ts"])
    assert not buttons(shown)
    text = block_text(shown["blocks"])
    assert "Expired" in text and "nobody decided, nothing ran" in text and approval.id in text
    assert "k8s_scale" in text  # the rest of the card (what was asked) stays
    assert sweep.sweep(now=approval.expires_at + 60) == 0  # once
    assert harness.runtime.agent.approvals.get(approval.id).status == "pending"  # the sweep only edits the card


def test_a_card_decided_in_a_terminal_says_who_decided_it(harness: SlackHarness, sandbox: Any) -> None:
    message, approval = card(harness, "scale checkout in staging to 4")
    assert harness.runtime.agent.decide(approval.id, approve=False, by="local:alice").status == "denied"
    assert harness.runtime.expiry.sweep(now=approval.expires_at + 1) == 1
    text = block_text(now_of(harness, message["ts"])["blocks"])
    assert "Denied by local:alice outside Slack" in text and "Expired" not in text


def test_a_clicked_card_is_not_touched_by_the_sweep(harness: SlackHarness, sandbox: Any) -> None:
    message, approval = card(harness, "scale checkout in staging to 4")
    value = buttons(message)[0]["elements"][0]["value"]
    harness.click("opsgraph_deny", value, "UASKER", "C0OPS", message["ts"], message.get("thread_ts"))
    harness.api.wait_for(lambda: "Denied" in block_text(now_of(harness, message["ts"])["blocks"]), 30, "the denial")
    edits = now_of(harness, message["ts"])["edits"]
    assert harness.runtime.expiry.sweep(now=approval.expires_at + 1) == 0
    assert now_of(harness, message["ts"])["edits"] == edits


def test_a_failed_edit_is_tried_again_by_the_next_sweep(harness: SlackHarness, sandbox: Any) -> None:
    message, approval = card(harness, "scale checkout in staging to 4")
    harness.api.fail("chat.update", status=500, times=3)  # the client's retries (2) and then some
    assert harness.runtime.expiry.sweep(now=approval.expires_at + 1) == 0
    assert buttons(now_of(harness, message["ts"]))
    assert harness.runtime.expiry.sweep(now=approval.expires_at + 2) == 1
    assert not buttons(now_of(harness, message["ts"]))
