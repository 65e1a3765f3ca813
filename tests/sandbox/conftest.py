"""A sandbox server per test module (fast simulated time) and official-client handles on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsgraph.sandbox.server import SandboxServer
from tests.sandbox.sandbox_testkit import TIME_SCALE, Cluster, connect


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("sandbox")
    with SandboxServer(tmp / "state.json", time_scale=TIME_SCALE) as server:
        yield connect(server, tmp / "kubeconfig")
