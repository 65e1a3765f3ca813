"""`opsgraph runbooks index|search|list` as a user runs them (the DESIGN.md search contract)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runbooks.conftest import write_runbook
from tests.support.cli import run_cli


@pytest.mark.slow
def test_index_then_search_json_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_runbook(tmp_path, "kafka-lag", ["KafkaConsumerLag"], "## Symptoms\nconsumer group lag grows\n")
    write_runbook(tmp_path, "redis-evictions", ["RedisEvictions"], "## Symptoms\nkeys evicted under maxmemory\n")
    monkeypatch.setenv("OPSGRAPH_RUNBOOKS_DIRS", str(tmp_path))
    monkeypatch.setenv("OPSGRAPH_RUNBOOKS_SHIPPED", "false")  # a small index: embedding all 25 is slow here
    first = run_cli("runbooks", "index", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["runbooks"] == 2 and sorted(report["added"]) == ["kafka-lag", "redis-evictions"]
    again = json.loads(run_cli("runbooks", "index", "--json").stdout)
    assert again["added"] == again["updated"] == [] and again["chunks_embedded"] == 0

    found = run_cli("runbooks", "search", "KafkaConsumerLag", "--json")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert results[0]["runbook"] == "kafka-lag" and results[0]["alerts"] == ["KafkaConsumerLag"]
    assert {"runbook", "section", "alerts", "score"} <= set(results[0])
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_bad_runbook_folder_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text("no front matter here\n")
    monkeypatch.setenv("OPSGRAPH_RUNBOOKS_DIRS", str(tmp_path))
    out = run_cli("runbooks", "list")
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error: ") and "broken.md" in out.stderr and "Traceback" not in out.stderr


def test_list_shows_every_runbook_with_its_alerts() -> None:
    out = run_cli("runbooks", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["runbooks"]
    assert len(rows) >= 20
    assert any(r["runbook"] == "gpu-fell-off-bus" and "GPUFellOffBus" in r["alerts"] for r in rows)
