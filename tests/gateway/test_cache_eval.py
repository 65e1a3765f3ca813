"""The cache's shipped threshold is the one the tuning half chooses; on the scoring half no
near miss and no other question hits, and paraphrases do."""

from __future__ import annotations

from opsgraph.evals.base import run_suite
from opsgraph.serving.gateway.cache import DEFAULT_THRESHOLD
from opsgraph.serving.gateway.facts import facts_of
from tests.evals.gate import gate


def test_shipped_threshold_is_the_tuned_one_and_the_other_half_meets_the_thresholds() -> None:
    """false hits, paraphrase recall and near misses on the scoring half: evals/thresholds.yaml."""
    report = run_suite("cache")
    assert report.details["threshold"] == DEFAULT_THRESHOLD
    assert report.details["scoring"]["negative_pairs"] > 500
    gate(report)


def test_facts_tell_apart_what_embeddings_confuse() -> None:
    same = [("status of checkout in prod", "what's the status of checkout in production?")]
    different = [
        ("turn on autoscaling for cart", "turn off autoscaling for cart"),
        ("is cart ready", "is cart not ready"),
        ("scale checkout to 3", "scale checkout to three hundred"),
        ("deploy payments 1.2.0", "deploy payments 1.2.1"),
        ("logs of cart in prod", "logs of cart in staging"),
        ("list pods in prod", "list nodes in prod"),
    ]
    assert all(facts_of(a).key == facts_of(b).key for a, b in same)
    assert all(facts_of(a).key != facts_of(b).key for a, b in different)
