"""State across restarts, one server per state file, `ensure_running`, and the `opsgraph sandbox` CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsgraph.agent.settings import Settings
from opsgraph.channels.cli import app
from opsgraph.sandbox import runtime
from opsgraph.sandbox.persistence import StateBusy
from opsgraph.sandbox.scenario import ScenarioError, default_scenario_path, load_scenario
from opsgraph.sandbox.server import SandboxServer
from tests.sandbox.sandbox_testkit import TIME_SCALE, connect, wait_for


def test_state_survives_a_restart_and_reset_restores_the_scenario(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with SandboxServer(state, time_scale=TIME_SCALE) as server:
        cluster = connect(server, tmp_path / "kubeconfig")
        cluster.apps.patch_namespaced_deployment_scale("cart", "staging", {"spec": {"replicas": 4}})
        wait_for(lambda: cluster.apps.read_namespaced_deployment("cart", "staging").status.ready_replicas == 4)
        before = cluster.apps.read_namespaced_deployment("cart", "staging")
        pods = {p.metadata.name for p in cluster.core.list_namespaced_pod("staging", label_selector="app=cart").items}
    assert state.exists()
    with SandboxServer(state, time_scale=TIME_SCALE) as server:
        cluster = connect(server, tmp_path / "kubeconfig")
        after = cluster.apps.read_namespaced_deployment("cart", "staging")
        assert after.metadata.uid == before.metadata.uid and after.spec.replicas == 4
        assert int(after.metadata.resource_version) >= int(before.metadata.resource_version)
        again = {p.metadata.name for p in cluster.core.list_namespaced_pod("staging", label_selector="app=cart").items}
        assert again == pods
    with SandboxServer(state, time_scale=TIME_SCALE, reset=True) as server:
        cluster = connect(server, tmp_path / "kubeconfig")
        assert cluster.apps.read_namespaced_deployment("cart", "staging").spec.replicas == 2


def test_two_servers_never_share_a_state_file(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "state.json", time_scale=TIME_SCALE), pytest.raises(StateBusy):
        SandboxServer(tmp_path / "state.json", time_scale=TIME_SCALE).start()


def test_ensure_running_reuses_a_live_server(isolated_state: Path) -> None:
    settings = Settings()
    assert runtime.running_kubeconfig(settings) is None
    kubeconfig = runtime.ensure_running(settings)
    try:
        record = json.loads((settings.sandbox_dir / "server.json").read_text())
        assert record["pid"] == os.getpid() and record["url"] in kubeconfig.read_text()
        assert runtime.ensure_running(settings) == kubeconfig
        assert json.loads((settings.sandbox_dir / "server.json").read_text()) == record
        assert runtime.running_kubeconfig(settings) == kubeconfig
        assert "current-context: opsgraph-sandbox" in kubeconfig.read_text()
    finally:
        runtime.reset_state(settings)
    assert not (settings.sandbox_dir / "server.json").exists()
    assert not (settings.sandbox_dir / "state.json").exists()


def test_ensure_running_reuses_a_server_of_another_owner_and_ignores_stale_records(
    isolated_state: Path,
) -> None:
    settings = Settings()
    record_file = settings.sandbox_dir / "server.json"
    settings.sandbox_dir.mkdir(parents=True)
    # A record left by a crashed process: dead pid, nothing listening.
    record_file.write_text(json.dumps({"pid": 2**22 + 12345, "url": "http://127.0.0.1:9", "state_file": "x"}))
    assert runtime.running_kubeconfig(settings) is None
    kubeconfig = runtime.ensure_running(settings)
    try:
        fresh = json.loads(record_file.read_text())
        assert fresh["pid"] == os.getpid() and fresh["url"] != "http://127.0.0.1:9"
        assert fresh["url"] in kubeconfig.read_text()
    finally:
        runtime.reset_state(settings)


NODE = "nodes: [{name: a, pool: p, internal_ip: 10.0.0.1}]\n"
WEB = "containers: [{name: web, image: x:1}]"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("nodes: []\n", "nodes: List should have at least 1 item"),
        (
            NODE + f"deployments: [{{name: web, namespace: nowhere, replicas: 1, {WEB}}}]\n",
            "namespace 'nowhere' is not declared",
        ),
        (
            NODE
            + "namespaces: [{name: prod}]\n"
            + f"deployments: [{{name: web, namespace: prod, replicas: -1, {WEB}}}]\n",
            "deployments[0].replicas: Input should be greater than or equal to 0",
        ),
        ("nodes: [{name: a, pool: p, internal_ip: 10.0.0.1, cpu: lots}]\n", "nodes[0].cpu"),
        (
            "nodes: [{name: a, pool: p, internal_ip: 1.2.3.4, gpu: {product: X, memory_mib: 1, family: f, "
            "mig: {profiles: {7g.80gb: 2}}}}]\n",
            "one GPU has 7",
        ),
        ("nodes: [\n", "not valid YAML at line"),
    ],
)
def test_scenario_errors_name_the_problem(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert expected in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_default_scenario_is_shipped_and_valid() -> None:
    scenario = load_scenario(default_scenario_path())
    assert {n.name for n in scenario.namespaces} == {"prod", "staging", "ml"}


def test_cli_with_a_bad_scenario_prints_one_clear_line(tmp_path: Path, isolated_state: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("nodes: [{name: a, pool: p, internal_ip: 10.0.0.1}]\ndeployments: [{name: Web}]\n")
    result = CliRunner().invoke(app, ["sandbox", "--scenario", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: bad scenario:") and "deployments[0]" in lines[0]
    assert not (isolated_state / "sandbox" / "server.json").exists()


@pytest.mark.slow
def test_cli_serves_until_interrupted(isolated_state: Path) -> None:
    env = {**os.environ, "OPSGRAPH_STATE_DIR": str(isolated_state)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from opsgraph.channels.cli import main; main()",
            "sandbox",
            "--time-scale",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("sandbox Kubernetes API serving at http://127.0.0.1:")
        url = first.split(" at ")[1].strip()
        output = [proc.stdout.readline() for _ in range(8)]
        kubeconfig = isolated_state / "sandbox" / "kubeconfig"
        assert any(f"export OPSGRAPH_CLUSTER=kubeconfig OPSGRAPH_KUBECONFIG={kubeconfig}" in line for line in output)
        assert any(f"export KUBECONFIG={kubeconfig}" in line for line in output)
        assert json.loads((isolated_state / "sandbox" / "server.json").read_text())["url"] == url
        assert runtime.running_kubeconfig(Settings()) == kubeconfig  # another process reuses it
        assert runtime.ensure_running(Settings()) == kubeconfig  # ... and does not start its own
        assert json.loads((isolated_state / "sandbox" / "server.json").read_text())["pid"] == proc.pid
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "state saved" in out and "Traceback" not in err
        assert not (isolated_state / "sandbox" / "server.json").exists()
        assert (isolated_state / "sandbox" / "state.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_stopped_server_answers_no_one_even_on_kept_alive_connections(tmp_path: Path) -> None:
    import urllib3

    server = SandboxServer(tmp_path / "state.json", time_scale=TIME_SCALE).start()
    cluster = connect(server, tmp_path / "kubeconfig")
    cluster.apps.api_client.configuration.retries = 0
    assert cluster.apps.read_namespaced_deployment("cart", "prod").metadata.name == "cart"  # connection pooled
    server.stop()
    with pytest.raises(urllib3.exceptions.HTTPError):
        cluster.apps.read_namespaced_deployment("cart", "prod", _request_timeout=2)
