"""Shared fixtures: every test gets its own state dir; nothing phones home; no model requests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

for _key, _value in {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}.items():
    os.environ.setdefault(_key, _value)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Trained classifiers are shared by the whole session: training once is enough."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Iterator[Path]:
    """Each test writes state (SQLite, sandbox files) under its own tmp dir."""
    state = tmp_path / "state"
    for key in list(os.environ):
        if key.startswith("OPSGRAPH_") and key != "OPSGRAPH_SHARED_DATA":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("OPSGRAPH_STATE_DIR", str(state))
    monkeypatch.setenv("OPSGRAPH_MODEL_CACHE_DIR", str(model_cache))
    yield state


@pytest.fixture(scope="session")
def planner(model_cache: Path) -> Any:
    """The deterministic planner with every installed capability's intents, trained once."""
    from opsgraph.agent.planner.planner import DeterministicPlanner

    return DeterministicPlanner.load(model_cache)


@pytest.fixture(scope="session")
def inventory() -> Any:
    """What the shipped sandbox scenario holds, as the planner resolves names against it."""
    from opsgraph.agent.inventory import from_scenario
    from opsgraph.sandbox.scenario import default_scenario_path

    return from_scenario(default_scenario_path(), None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip with a clear message (a user's clone has no ../shared)."""
    from opsgraph.evals.base import shared_data_dir

    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent: public-data evals cannot run here")
    return path


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Any]:
    """The default scenario served on a free loopback port, simulated time running 200x faster."""
    from opsgraph.sandbox.server import SandboxServer
    from tests.support.k8s import SandboxHandle

    server = SandboxServer(tmp_path / "sandbox" / "state.json", time_scale=0.005).start()
    try:
        yield SandboxHandle(server, server.write_kubeconfig(tmp_path / "sandbox" / "kubeconfig"))
    finally:
        server.stop()


@pytest.fixture
def cluster_settings(sandbox: Any, isolated_state: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """Settings (and environment, for subprocesses) pointing opsgraph at the sandbox via kubeconfig."""
    from opsgraph.agent.settings import Settings

    monkeypatch.setenv("OPSGRAPH_CLUSTER", "kubeconfig")
    monkeypatch.setenv("OPSGRAPH_KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("OPSGRAPH_ROLLOUT_TIMEOUT_S", "20")
    return Settings()
