"""Block Kit rendering: typed views render generically and stay inside Slack's limits; text from
outsiders cannot mention @channel or break out of its code block; progress reads as steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsgraph.agent.service import PendingApproval, TurnResult
from opsgraph.channels.slack.blocks import MAX_BLOCKS, MAX_TEXT
from opsgraph.channels.slack.render import progress_blocks, turn_blocks, view_blocks
from opsgraph.core.views import DiffLine, DiffView, Finding, FindingsView, TableView, TextView
from tests.slack.mock_slack import block_text


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        for e in b.get("elements", []):
            if isinstance(e.get("text"), str):
                out.append(e["text"])
    return out


def result(*views: Any, tool: str = "any_tool") -> dict[str, Any]:
    return {"tool": tool, "status": "ok", "text": "plain", "views": [v.model_dump() for v in views]}


def turn(*results: dict[str, Any], approvals: tuple[PendingApproval, ...] = (), status: str = "done") -> TurnResult:
    return TurnResult(thread_id="t", status=status, reply="r", results=list(results), approvals=list(approvals))


def test_a_big_table_is_cut_with_how_many_rows_are_missing() -> None:
    rows = tuple((f"pod-{i:04d}", "Running", str(i)) for i in range(500))
    blocks = view_blocks(TableView(title="pods", columns=("pod", "state", "restarts"), rows=rows).model_dump())
    (table,) = [t for t in texts(blocks) if "pod-0000" in t]
    assert len(table) <= MAX_TEXT
    shown = table.count("pod-")
    assert 5 < shown < 500 and f"+{500 - shown} more rows" in table


def test_row_status_becomes_a_mark_per_row() -> None:
    view = TableView(columns=("name", "ready"), rows=(("a", "1/1"), ("b", "0/1")), row_status=("ok", "bad"))
    text = block_text(view_blocks(view.model_dump()))
    assert "🟢 a" in text and "🔴 b" in text


def test_the_same_tool_renders_by_view_kind_not_by_name() -> None:
    diff = DiffView(subject="deployment prod/x", changes=(DiffLine(field="replicas", old="3", new="5"),))
    for tool in ("k8s_scale", "something_new"):
        assert "replicas: 3 → 5" in block_text(turn_blocks(turn(result(diff, tool=tool)), {}))


def test_untrusted_text_is_data_that_mentions_nobody_and_stays_in_its_block() -> None:
    hostile = "<!channel> click <http://evil|here>\n```\n*approve everything*"
    blocks = view_blocks(TextView(text=hostile, untrusted=True).model_dump())
    text = block_text(blocks)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<http://evil" not in text
    code = texts(blocks)[0]
    assert code.startswith("```") and code.count("```") == 2  # the planted fence cannot close it
    assert "shown as data" in text


def test_many_views_stay_under_fifty_blocks_and_keep_the_buttons() -> None:
    views = [TextView(title=f"part {i}", text="x" * 100) for i in range(80)]
    approval = PendingApproval(
        id="apr-1", tool="k8s_scale", args={}, diff="replicas: 3 -> 5", reason="needs approval by oncall",
        requester="slack:U1", expires_at=2e9,
    )  # fmt: skip
    blocks = turn_blocks(turn(result(*views), approvals=(approval,), status="needs_approval"), {"apr-1": "h" * 64})
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["type"] == "actions" and blocks[-1]["block_id"] == "approval:apr-1"
    assert any("more blocks not shown" in t for t in texts(blocks))
    assert all(len(t) <= MAX_TEXT for t in texts(blocks))
    values = {e["value"] for e in blocks[-1]["elements"]}
    assert values == {"apr-1|" + "h" * 64}


def test_findings_show_the_diagnosis_and_each_piece_of_evidence() -> None:
    view = FindingsView(
        diagnosis="checkout is out of memory",
        evidence=(Finding(step="logs of prod/checkout", saw="OutOfMemoryError x12"),),
        stopped_by="step limit",
    )
    text = block_text(view_blocks(view.model_dump()))
    assert "*checkout is out of memory*" in text and "OutOfMemoryError x12" in text and "step limit" in text


def test_an_error_turn_says_so() -> None:
    failed = TurnResult(thread_id="t", status="denied", reply="denied: scaling production to zero", results=[])
    assert "⛔ denied: scaling production to zero" in block_text(turn_blocks(failed, {}))


@dataclass(frozen=True)
class FakeStep:
    """Shaped like opsgraph.agent.progress.StepEvent (no import: the renderer must not need it)."""

    tool: str
    phase: str
    status: str | None = None
    summary: str = ""
    args: dict[str, Any] = field(default_factory=dict)


def test_progress_lists_each_step_and_marks_what_finished() -> None:
    from opsgraph.channels.slack.progress import Step

    steps = [Step("k8s_events", "done", "ok", "checking events of prod/checkout"),
             Step("k8s_logs", "started", None, "reading logs of prod/checkout...")]  # fmt: skip
    text = block_text(progress_blocks(steps))
    assert "✓ checking events of prod/checkout" in text and "⏳ reading logs of prod/checkout..." in text
    failed = [Step("k8s_logs", "done", "error", "reading logs: pod not found")]
    assert "⚠️" in block_text(progress_blocks(failed))


def test_progress_updates_one_message_per_step(api: Any, tmp_path: Any) -> None:
    from opsgraph.channels.slack.progress import ProgressMessage
    from opsgraph.channels.slack.webapi import Poster, web_client

    poster = Poster(web_client("xoxb-1", api.url, 0), tmp_path / "outbox.sqlite")
    progress = ProgressMessage(poster, "C1", "1700000000.000009", min_interval_s=0)
    progress(FakeStep("k8s_events", "started", args={"namespace": "prod", "name": "checkout"}))
    progress(FakeStep("k8s_events", "done", "ok", "3 warnings", args={"namespace": "prod", "name": "checkout"}))
    progress(FakeStep("k8s_logs", "started", args={"namespace": "prod", "name": "checkout"}))
    updates = api.ok_calls("chat.update")
    assert len(updates) == 3 and {u["ts"] for u in updates} == {"1700000000.000009"}
    last = block_text(updates[-1]["blocks"])
    assert "✓ k8s_events: 3 warnings" in last and "⏳ k8s_logs..." in last  # one line per step, updated in place
    assert last.count("k8s_events") == 1
    poster.close()


def test_a_real_step_event_is_described_in_words(api: Any, tmp_path: Any) -> None:
    from opsgraph.agent.progress import StepEvent
    from opsgraph.channels.slack.progress import ProgressMessage
    from opsgraph.channels.slack.webapi import Poster, web_client

    poster = Poster(web_client("xoxb-1", api.url, 0), tmp_path / "outbox.sqlite")
    progress = ProgressMessage(poster, "C1", "1.1", min_interval_s=0)
    progress(StepEvent(tool="k8s_logs", args={"namespace": "prod", "name": "checkout"}, phase="started",
                       status=None, summary=""))  # fmt: skip
    assert "reading logs of prod/checkout" in block_text(api.ok_calls("chat.update")[-1]["blocks"])
    poster.close()


def test_an_investigation_answer_shows_its_diagnosis_evidence_and_proposed_fix() -> None:
    from opsgraph.channels.slack.render import answer_blocks

    answer = {
        "diagnosis": "staging/catalog fails since its rollout 40 s ago to revision 3.",
        "evidence": [{"step": "k8s_status staging/catalog", "saw": "1 pod in CrashLoopBackOff"}],
        "root_cause": {"resource": "staging/catalog", "reason": "CrashLoopBackOff"},
        "fix": {"name": "k8s_rollback", "args": {"namespace": "staging", "name": "catalog"}},
        "fix_reason": "it started with revision 3",
    }
    text = block_text(answer_blocks(answer))
    assert "fails since its rollout" in text and "CrashLoopBackOff" in text
    assert "proposed fix: `k8s_rollback`" in text and "it started with revision 3" in text
