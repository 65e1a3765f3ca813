"""Fuzzed files handed to the CLI end in a one-line error naming the file, never a traceback:
non-UTF-8 bytes, JSON/YAML nested thousands deep, YAML control characters, CSV lines over the
csv module's 128 KiB field limit. `plan --file` streams: each line is planned as it is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsgraph.channels.cli import app

FUZZ = {
    "nonutf8.json": (b'\xff\xfe{"text": "hi \x80"}\n', "not UTF-8 text"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "deep-object.json": (b'{"a":' * 3_000 + b"1" + b"}" * 3_000, "nested too deeply"),
    "deep.yaml": (b"[" * 20_000 + b"]" * 20_000, "nested too deeply"),
    "ctrl.yaml": (b'version: 1\nrules:\n  - name: "a\x07b"\n', "control character"),
}


def _commands(path: Path) -> list[tuple[list[str], dict[str, str]]]:
    return [
        (["plan", "--file", str(path)], {}),
        (["alerts", "correlate", str(path)], {}),
        (["alerts", "correlate", str(path.with_name("ok.json")), "--topology", str(path)], {}),
        (["guard", "scan", str(path)], {}),
        (["gpu", "plan", "--snapshot", str(path)], {}),
        (["approvals"], {"OPSGRAPH_POLICY_FILE": str(path)}),
    ]


@pytest.mark.parametrize("name", sorted(FUZZ))
def test_a_fuzzed_file_is_a_clear_error_in_every_command(name: str, tmp_path: Path) -> None:
    content, _ = FUZZ[name]
    path = tmp_path / name
    path.write_bytes(content)
    (tmp_path / "ok.json").write_text("[]")
    runner = CliRunner()
    for args, env in _commands(path):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2, (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output
        assert str(path) in result.output, (args, result.output)


@pytest.mark.parametrize("name", ["ctrl.yaml", "deep.yaml", "nonutf8.json"])
def test_the_policy_file_errors_name_what_is_wrong(name: str, tmp_path: Path) -> None:
    content, reason = FUZZ[name]
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["approvals"], env={"OPSGRAPH_POLICY_FILE": str(path)})
    assert result.exit_code == 2 and reason in result.output


def test_a_sandbox_scenario_that_is_not_text_is_a_clear_error(tmp_path: Path) -> None:
    from opsgraph.sandbox.scenario import ScenarioError, load_scenario

    for name in ("nonutf8.json", "deep.yaml", "ctrl.yaml"):
        path = tmp_path / name
        path.write_bytes(FUZZ[name][0])
        with pytest.raises(ScenarioError, match=FUZZ[name][1]):
            load_scenario(path)


def test_a_csv_line_over_128_kib_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n2024-01-01T00:00:00Z," + "1" * 200_000 + "\n")
    result = CliRunner().invoke(app, ["anomaly", "detect", str(path)])
    assert result.exit_code == 2 and f"{path}:2: not a usable CSV line" in result.output


def test_plan_file_streams_line_by_line(tmp_path: Path) -> None:
    """Plans come out as lines are read: the lines before a bad one are already answered."""
    path = tmp_path / "messages.jsonl"
    good = [json.dumps({"text": "status of prod"}), json.dumps({"text": "restart cart in staging"})]
    path.write_text("\n".join([*good, "{not json"]) + "\n")
    result = CliRunner().invoke(app, ["plan", "--file", str(path), "--json"])
    assert result.exit_code == 2 and f"{path}:3: not JSON" in result.output
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert intents == ["k8s_status", "k8s_restart"]


def test_plan_file_reads_lazily() -> None:
    from opsgraph.channels.planning import read_messages

    assert not isinstance(read_messages(Path("/nonexistent/never-opened.jsonl")), list)
