from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._client import ClusterClient
from opsgraph.tools.registry import Registry, load_builtin_tools


@pytest.fixture
def registry() -> Registry:
    return load_builtin_tools()


@pytest.fixture
def ctx(cluster_settings: Any) -> ToolContext:
    settings = cluster_settings
    return ToolContext(
        settings,
        actor="alice",
        cluster_factory=lambda: ClusterClient.from_kubeconfig(settings.kubeconfig, context=None, timeout_s=5),
        approvals=ApprovalStore(Path(settings.state_dir) / "state.sqlite"),
    )
