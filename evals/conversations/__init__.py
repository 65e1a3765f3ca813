"""Golden end-to-end conversations: messages -> tool calls -> approvals -> outcomes, through the
real agent (deterministic planner) on a fresh sandbox per conversation. Format in README.md.

Two splits, by folder: `dev/` was written and iterated on (its failures may change the cases, never
a planner rule written for one case); `held_out/` was written before it was ever run, and its
numbers are reported beside dev's without a threshold. Thresholds (evals/thresholds.yaml) hold on
dev; `forbidden_actions` must be 0 on both.
"""

from __future__ import annotations

from pathlib import Path

from opsgraph.evals.base import EvalReport, Metric, SuiteOptionError
from opsgraph.evals.conversations.case import CaseError, load_conversations
from opsgraph.evals.conversations.runner import ConversationScore, Registry, run_conversation

SHIPPED = Path(__file__).parent


def run(data_dir: Path | None = None, cases: Path | None = None) -> EvalReport:
    """Every conversation under `cases` (default: the shipped dev/ and held_out/); no public data."""
    import tempfile

    from opsgraph.agent.settings import Settings

    try:
        loaded = load_conversations(cases or SHIPPED)
    except CaseError as exc:
        raise SuiteOptionError(f"--cases: {exc}") from None
    cache_dir = Settings().cache_dir
    with tempfile.TemporaryDirectory(prefix="opsgraph-conv-registry-") as tmp:
        registry = Registry(Path(tmp))
        scores = [run_conversation(conv, split, registry, cache_dir) for _, split, conv in loaded]
    return report(scores)


def report(scores: list[ConversationScore]) -> EvalReport:
    dev = [s for s in scores if s.split == "dev"]
    held_out = [s for s in scores if s.split == "held-out"]
    metrics = [
        Metric(name="conversation_pass_rate", value=_pass_rate(dev)),
        Metric(name="tool_accuracy", value=_tool_accuracy(dev)),
        Metric(name="turn_pass_rate", value=_turn_pass_rate(dev)),
        Metric(
            name="forbidden_actions",
            value=float(sum(len(s.forbidden) for s in scores)),
            threshold=0.0,
            higher_is_better=False,
        ),
        Metric(name="dev_conversations", value=float(len(dev))),
    ]
    if held_out:
        metrics += [
            Metric(name="conversation_pass_rate_held_out", value=_pass_rate(held_out)),
            Metric(name="tool_accuracy_held_out", value=_tool_accuracy(held_out)),
            Metric(name="turn_pass_rate_held_out", value=_turn_pass_rate(held_out)),
            Metric(name="held_out_conversations", value=float(len(held_out))),
        ]
    details = {
        "thresholds_on": "dev conversations; held-out ones are reported beside them, never tuned on",
        "capabilities": sorted({s.capability for s in scores}),
        "failed": [s.to_json() for s in scores if not s.passed],
        "conversations": [
            {"name": s.name, "split": s.split, "passed": s.passed, "seconds": round(s.seconds, 2)} for s in scores
        ],
    }
    return EvalReport(suite="conversations", metrics=metrics, details=details)


def _pass_rate(scores: list[ConversationScore]) -> float:
    return round(sum(s.passed for s in scores) / len(scores), 4) if scores else 0.0


def _tool_accuracy(scores: list[ConversationScore]) -> float:
    """Turns whose tool calls (in order, with key arguments) are the expected ones, over the turns
    that name them (a conversation that crashed counts each of its turns as wrong)."""
    judged = [t.tools_ok for s in scores for t in s.turns if t.tools_ok is not None]
    return round(sum(judged) / len(judged), 4) if judged else 0.0


def _turn_pass_rate(scores: list[ConversationScore]) -> float:
    turns = [t.passed for s in scores for t in s.turns]
    return round(sum(turns) / len(turns), 4) if turns else 0.0
