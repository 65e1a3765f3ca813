"""`opsgraph alerts correlate`: the DESIGN.md JSON contract and errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from opsgraph.channels.cli import app
from tests.support.alertmanager import webhook_payload

TOPOLOGY = {
    "nodes": [{"id": s, "kind": "service"} for s in ("frontend", "checkout", "search")]
    + [{"id": "db", "kind": "database"}],
    "edges": [
        {"from": "frontend", "to": "checkout", "type": "calls"},
        {"from": "checkout", "to": "db", "type": "depends_on"},
    ],
}


def v2(name: str, minute: int, **labels: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": name, **labels},
        "annotations": {},
        "startsAt": f"2024-05-01T10:{minute:02d}:00Z",
    }


STORM = [
    v2("HighLatency", 1, service="frontend"),  # 0
    v2("DiskFull", 40, service="search"),  # 1: much later, unrelated
    v2("PostgresDown", 0, database="db"),  # 2
    v2("HighErrorRate", 1, service="checkout"),  # 3
    v2("HighLatency", 1, service="frontend"),  # 4: a re-send of 0
]


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def test_correlate_json_contract_indices_largest_first_and_cause(tmp_path: Path) -> None:
    alerts = write(tmp_path, "alerts.json", STORM)
    topology = write(tmp_path, "topology.json", TOPOLOGY)
    result = run("alerts", "correlate", alerts, "--topology", topology, "--json")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    incidents = json.loads(line)["incidents"]
    assert [sorted(i["alerts"]) for i in incidents] == [[0, 2, 3, 4], [1]]
    first = incidents[0]
    assert set(first) >= {"id", "alerts", "probable_causes", "severity", "summary"}
    assert first["probable_causes"][0]["entity"] == "db"
    assert set(first["probable_causes"][0]) == {"entity", "kind", "score", "evidence"}
    assert first["severity"] in {"info", "warning", "error", "critical"}
    assert "db" in first["summary"]


def test_several_files_give_one_json_line_each_in_order(tmp_path: Path) -> None:
    one = write(tmp_path, "one.json", STORM[:1])
    webhook = write(tmp_path, "hook.json", webhook_payload([STORM[2], STORM[3]]))
    result = run("alerts", "correlate", webhook, one, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.strip().splitlines()]
    assert [sum(len(i["alerts"]) for i in doc["incidents"]) for doc in lines] == [2, 1]


def test_readable_table_without_json(tmp_path: Path) -> None:
    result = run("alerts", "correlate", write(tmp_path, "a.json", STORM))
    assert result.exit_code == 0
    assert "5 alerts" in result.stdout and "incidents" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_bad_file_is_one_line_naming_the_file_and_no_traceback(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", STORM)
    bad = write(tmp_path, "bad.json", [{"labels": {"alertname": "X"}, "startsAt": "not a time"}])
    result = run("alerts", "correlate", good, bad, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing half-done on stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "bad.json" in line and "alert 0: startsAt" in line
    assert "Traceback" not in result.output


def test_missing_file_and_bad_topology_are_clear_errors(tmp_path: Path) -> None:
    result = run("alerts", "correlate", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "nope.json: cannot read" in result.stderr
    topology = write(tmp_path, "t.json", {"nodes": [], "edges": [{"from": "a", "to": "b"}]})
    result = run("alerts", "correlate", write(tmp_path, "a.json", STORM), "--topology", topology)
    assert result.exit_code == 2 and "t.json" in result.stderr and "unknown node 'a'" in result.stderr
