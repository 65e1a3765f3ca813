"""The golden conversation suite judges what a person would: a wrong tool, a wrong status, a
missing sentence or a forbidden action fails the conversation; a broken case file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.base import SuiteOptionError
from opsgraph.evals.conversations import SHIPPED, run
from opsgraph.evals.conversations import report as suite_report
from opsgraph.evals.conversations.case import Conversation, Split, load_conversations
from opsgraph.evals.conversations.runner import ConversationScore
from opsgraph.evals.thresholds import shipped
from tests.evals.gate import gate


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(text)


def test_every_main_path_has_a_dev_and_a_held_out_conversation() -> None:
    loaded = load_conversations(SHIPPED)
    covered = {split: {c.capability for _, s, c in loaded if s == split} for split in ("dev", "held-out")}
    wanted = {"k8s", "alerts", "runbooks", "models", "gpu", "terraform", "guardrails", "none"}
    assert wanted <= covered["dev"] and wanted <= covered["held-out"]
    # Each approval path is exercised both ways somewhere.
    decisions = {t.decide for _, _, c in loaded for t in c.turns if t.decide}
    assert decisions == {"approve", "deny"}


@pytest.mark.slow
def test_a_wrong_expectation_fails_the_conversation_and_the_right_one_passes(tmp_path: Path) -> None:
    write(
        tmp_path / "dev",
        "right",
        "name: right\ncapability: k8s\nturns:\n  - say: status of prod\n"
        "    expect: {status: done, tools: [k8s_status], args: {k8s_status: {namespace: prod}},\n"
        "             contains: [prod/cart]}\n",
    )
    write(
        tmp_path / "dev",
        "wrong",
        "name: wrong\ncapability: k8s\nturns:\n  - say: status of prod\n"
        "    expect: {status: done, tools: [k8s_scale], contains: [no such words]}\n",
    )
    report = run(cases=tmp_path)
    assert report.metric("conversation_pass_rate").value == 0.5
    assert report.metric("tool_accuracy").value == 0.5
    (failed,) = report.details["failed"]
    assert failed["name"] == "wrong"
    assert failed["turns"][0]["problems"] == [
        "tools ['k8s_status'], expected ['k8s_scale']",
        "reply lacks 'no such words'",
    ]


@pytest.mark.slow
def test_a_forbidden_tool_is_counted_and_fails_the_gate(tmp_path: Path) -> None:
    write(
        tmp_path,
        "peek",
        "name: peek\ncapability: k8s\nturns:\n  - say: status of prod\n    expect: {status: done}\n"
        "forbidden_tools: [k8s_status]\n",
    )
    report = run(cases=tmp_path)
    forbidden = report.metric("forbidden_actions")
    assert forbidden.value == 2.0  # called in turn 1, and ran (audit log)
    assert not forbidden.passed and not report.passed


@pytest.mark.slow
def test_a_denied_write_never_runs(tmp_path: Path) -> None:
    write(
        tmp_path,
        "deny",
        "name: deny\ncapability: k8s\nturns:\n  - say: restart cart in prod\n    expect: {status: needs_approval}\n"
        "  - decide: deny\n    expect: {status: denied, tools: [k8s_restart]}\n",
    )
    report = run(cases=tmp_path)
    assert report.metric("forbidden_actions").value == 0.0
    assert report.metric("conversation_pass_rate").value == 1.0


def test_a_broken_case_file_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "bad", "name: bad\ncapability: k8s\nturns:\n  - say: hi\n    decide: approve\n")
    with pytest.raises(SuiteOptionError, match=r"bad\.yaml"):
        run(cases=tmp_path)


# -- the shipped conversations, one test each (every dev conversation passes; no conversation, dev
# or held-out, takes a forbidden action), then the suite's report over all of them is gated ---------

SHIPPED_CASES = load_conversations(SHIPPED)
SCORES: dict[str, ConversationScore] = {}  # "split:name" -> its score, filled by the per-conversation tests


@pytest.fixture(scope="session")
def demo_registry(tmp_path_factory: pytest.TempPathFactory) -> object:
    from opsgraph.evals.conversations.runner import Registry

    return Registry(tmp_path_factory.mktemp("conversation-registry"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("split", "conversation"),
    [pytest.param(split, conv, id=f"{split}:{conv.name}") for _, split, conv in SHIPPED_CASES],
)
def test_shipped_conversation(
    split: Split, conversation: Conversation, demo_registry: object, model_cache: Path
) -> None:
    from opsgraph.evals.conversations.runner import Registry, run_conversation

    assert isinstance(demo_registry, Registry)
    score = SCORES[f"{split}:{conversation.name}"] = run_conversation(conversation, split, demo_registry, model_cache)
    assert score.forbidden == [], score.forbidden
    if split == "dev":
        assert score.passed, score.to_json()


@pytest.mark.slow
def test_the_report_over_every_conversation_meets_the_thresholds() -> None:
    """The suite's report from the scores above (the same `opsgraph eval conversations` prints)."""
    if len(SCORES) < len(SHIPPED_CASES):
        pytest.skip(f"only {len(SCORES)} of {len(SHIPPED_CASES)} conversations ran in this session")
    gate(shipped().apply(suite_report(list(SCORES.values()))))
