"""`opsgraph anomaly detect`, run the way a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.anomaly.series_builders import HOUR, START, daily_series, index_at, write_csv
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def spiky_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    times, values = daily_series(8, step_s=600)
    spike = index_at(times, START + 6 * 86400 + 14 * HOUR)
    values[spike] += 20.0
    values[100] = float("nan")
    return write_csv(tmp_path_factory.mktemp("cli") / "latency.csv", times, values), spike


def test_json_has_one_point_per_row_in_order_and_flags_the_spike(spiky_csv: tuple[Path, int]) -> None:
    path, spike = spiky_csv
    done = run_cli("anomaly", "detect", str(path), "--json")
    assert done.returncode == 0, done.stderr
    points = json.loads(done.stdout)["points"]
    rows = path.read_text().splitlines()[1:]
    assert [p["timestamp"] for p in points] == [r.split(",")[0] for r in rows]
    assert all(0.0 <= p["score"] <= 1.0 and isinstance(p["anomaly"], bool) for p in points)
    assert [i for i, p in enumerate(points) if p["anomaly"]] == [spike]


def test_summary_names_the_anomalous_period(spiky_csv: tuple[Path, int]) -> None:
    path, spike = spiky_csv
    done = run_cli("anomaly", "detect", str(path))
    assert done.returncode == 0, done.stderr
    stamp = path.read_text().splitlines()[1 + spike].split(",")[0]
    assert "1 anomalous period" in done.stdout and stamp in done.stdout


def test_a_bad_row_is_a_one_line_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n2024-05-01T12:00:00Z,1\n2024-05-01T12:05:00Z,twelve\n")
    done = run_cli("anomaly", "detect", str(path), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "bad.csv:3: bad value 'twelve'" in done.stderr
    assert "Traceback" not in done.stderr


def test_scan_without_prometheus_says_how_to_configure_it() -> None:
    done = run_cli("anomaly", "scan", "up")
    assert done.returncode == 1
    assert "OPSGRAPH_PROMETHEUS_URL" in done.stderr and "Traceback" not in done.stderr
