"""Search as an on-call engineer uses it: alert names rank their runbook first, symptoms in plain
words find the right runbook and cite a section, and the tool offers the runbook's steps as calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.tools.runbooks.search import WEIGHTS, Searcher, Weights
from tests.runbooks.conftest import write_runbook


def test_alert_name_ranks_its_runbook_first(shipped_searcher: Searcher) -> None:
    hits = shipped_searcher.search("KubeHpaMaxedOut firing in prod", 3)
    assert hits[0].runbook == "hpa-maxed-out"
    assert hits[0].matched_alerts == ("KubeHpaMaxedOut",)
    assert hits[0].score > hits[1].score


def test_explicit_alert_names_win_over_a_misleading_description(shipped_searcher: Searcher) -> None:
    hits = shipped_searcher.search("the disk is full", 3, alerts=["KubePodCrashLooping"])
    assert hits[0].runbook == "pod-crash-looping"


def test_exact_alert_weight_matters(shipped_searcher: Searcher) -> None:
    """The same query without the alert term in the fusion loses the exact-match boost."""
    with_alert = shipped_searcher.search("x", 1, alerts=["TerraformDriftDetected"])[0]
    without = shipped_searcher.search("x", 1, alerts=["TerraformDriftDetected"], weights=Weights(1.0, 0.5, 0.0))[0]
    assert with_alert.runbook == without.runbook == "terraform-plan-drift"
    assert with_alert.score - without.score == pytest.approx(WEIGHTS.alert, abs=1e-6)


@pytest.mark.parametrize(
    ("query", "runbook"),
    [
        ("gpu disappeared from nvidia-smi after xid 79", "gpu-fell-off-bus"),
        ("tls certificate runs out friday", "certificate-expiry"),
        ("vllm queue keeps growing", "llm-endpoint-degraded"),
    ],
)
def test_symptoms_find_their_runbook(shipped_searcher: Searcher, query: str, runbook: str) -> None:
    assert runbook in [h.runbook for h in shipped_searcher.search(query, 3)]


def test_results_cite_runbook_section_and_alerts(shipped_searcher: Searcher) -> None:
    hit = shipped_searcher.search("pods restart with exit code 137 out of memory", 1)[0]
    row = hit.to_json({"name": "cart", "namespace": "staging"})
    assert list(row)[:4] == ["runbook", "section", "alerts", "score"]
    assert row["runbook"] == "oom-killed"
    assert row["section"] in {s.heading for s in shipped_searcher.runbooks["oom-killed"].sections}
    assert "KubeContainerOOMKilled" in row["alerts"]
    scale = next(a for a in row["actions"] if a["tool"] == "k8s_scale")
    assert scale["args"]["name"] == "cart" and scale["args"]["namespace"] == "staging"


def test_empty_query_finds_nothing(shipped_searcher: Searcher) -> None:
    assert shipped_searcher.search("   ", 3) == []


def test_index_is_incremental_and_follows_edits_and_deletes(tmp_path: Path) -> None:
    folder, index = tmp_path / "books", tmp_path / "index"
    folder.mkdir()
    write_runbook(folder, "kafka-lag", ["KafkaConsumerLag"], "## Symptoms\nconsumers fall behind the topic\n")
    write_runbook(folder, "redis-evictions", ["RedisEvictions"], "## Symptoms\nkeys evicted under maxmemory\n")
    first, report = Searcher.open(index, [folder], shipped=False)
    assert sorted(report.added) == ["kafka-lag", "redis-evictions"] and report.chunks_embedded == 4

    _, again = Searcher.open(index, [folder], shipped=False)
    assert again.added == again.updated == [] and again.chunks_embedded == 0 and len(again.unchanged) == 2

    write_runbook(folder, "kafka-lag", ["KafkaConsumerLag"], "## Symptoms\nlag grows\n## Rebalance\nadd partitions\n")
    (folder / "redis-evictions.md").unlink()
    searcher, edited = Searcher.open(index, [folder], shipped=False)
    assert edited.updated == ["kafka-lag"] and edited.removed == ["redis-evictions"] and edited.chunks_embedded == 3
    assert set(searcher.runbooks) == {"kafka-lag"}
    assert searcher.search("how many partitions to add when rebalancing", 1)[0].section == "Rebalance"
    assert first.search("maxmemory eviction", 1)[0].runbook == "redis-evictions"


def test_extra_folder_replaces_a_shipped_runbook_of_the_same_name(tmp_path: Path) -> None:
    from opsgraph.tools.runbooks.documents import load_all

    write_runbook(tmp_path, "pod-crash-looping", ["KubePodCrashLooping"], "## Ours\ncall the platform team\n")
    books = {r.id: r for r in load_all([tmp_path], shipped=True)}
    assert books["pod-crash-looping"].sections[0].heading == "Ours"
    assert len(books) >= 20


def test_the_index_never_uses_chromadbs_default_embedding(tmp_path: Path) -> None:
    from opsgraph.tools.runbooks.embedding import DIMENSIONS
    from opsgraph.tools.runbooks.store import RunbookStore

    write_runbook(tmp_path, "one", ["OneAlert"], "## A\nsome text\n")
    Searcher.open(tmp_path / "index", [tmp_path], shipped=False)
    store = RunbookStore(tmp_path / "index")
    assert store._collection.configuration.get("embedding_function") is None
    assert len(store.chunks()[0][1]) == DIMENSIONS
