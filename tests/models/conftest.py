"""A real MLflow SQLite registry seeded once per session with the demo models (about 20 s), copied
into each test's state dir so every test can move aliases freely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext


@pytest.fixture(scope="session")
def seeded_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgraph.tools.models.demo import seed_demo
    from opsgraph.tools.models.store import ModelStore

    root = tmp_path_factory.mktemp("registry")
    store = ModelStore(f"sqlite:///{root / 'mlflow' / 'mlflow.db'}", cache_dir=root / "cache")
    assert seed_demo(store, root / "demo-data") == ["fraud-detector", "churn-model"]
    return root


@pytest.fixture
def registry_state(seeded_registry: Path, isolated_state: Path) -> Path:
    """This test's state dir holding its own copy of the seeded registry database."""
    target = isolated_state / "mlflow"
    target.mkdir(parents=True)
    shutil.copy(seeded_registry / "mlflow" / "mlflow.db", target / "mlflow.db")
    return isolated_state


@pytest.fixture
def ctx(registry_state: Path) -> ToolContext:
    import opsgraph.tools.models.tools  # noqa: F401  (registers the model tools)

    settings = Settings()
    return ToolContext(settings, actor="local:alice", approvals=ApprovalStore(registry_state / "approvals.sqlite"))
