"""DCGM utilisation from a real Prometheus (the Debian package) holding a known history: the
plan shares GPUs among the pods Prometheus shows as light, and not among the busy ones."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.gpu.plan import make_plan
from opsgraph.tools.gpu.settings import GpuSettings
from opsgraph.tools.gpu.snapshot import from_objects
from opsgraph.tools.gpu.sources import read_usage
from tests.gpu.cluster_builders import A100, node, pod
from tests.support.prometheus import prometheus_factory  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

STEP = 60


def openmetrics(start: int, end: int, busy: set[str]) -> str:
    lines = [
        "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
        "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
    ]
    fb = ["# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).", "# TYPE DCGM_FI_DEV_FB_USED gauge"]
    for t in range(start, end + 1, STEP):
        for n in ("a", "b", "c"):
            for i in range(6):
                name = f"emb{n}-{i}"
                labels = f'gpu="{i}",UUID="GPU-{n}{i}",Hostname="{n}",namespace="ml",pod="{name}",container="main"'
                util = 85 + (t // STEP) % 10 if name in busy else 5 + (t // STEP) % 6  # mean 89.5 or 7.5
                lines.append(f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} {util} {t}")
                fb.append(f"DCGM_FI_DEV_FB_USED{{{labels}}} {9000 + (t // STEP) % 500} {t}")
    return "\n".join(lines + fb + ["# EOF"])


def _cluster() -> list[dict[str, object]]:
    items: list[dict[str, object]] = [node(n, product=A100, memory_mib=81920) for n in ("a", "b", "c")]
    items += [pod(f"emb{n}-{i}", n, 1, app=f"emb{n}") for n in ("a", "b", "c") for i in range(6)]
    return items


@pytest.mark.parametrize(("busy", "freed"), [(set(), 2), ({f"emb{n}-{i}" for n in "abc" for i in range(4)}, 0)])
def test_prometheus_utilisation_decides_which_pods_share_gpus(
    prometheus_factory: Callable[..., str],  # noqa: F811
    busy: set[str],
    freed: int,
) -> None:
    end = (int(time.time()) // STEP) * STEP - 3 * 3600
    url = prometheus_factory(openmetrics(end - 4 * 3600, end, busy))
    usage = read_usage(Settings(prometheus_url=url), GpuSettings(metrics_window="8h"), None)
    assert usage.source.startswith("prometheus")
    assert len(usage.pods) == 18
    light = usage.pods["ml/emba-5"]
    assert light.util_pct == pytest.approx(7.5, abs=0.6) and 9000 <= light.fb_used_mib <= 9499
    plan = make_plan(from_objects(_cluster()), usage, GpuSettings())
    assert plan.nodes_freed == freed
    assert bool([a for a in plan.actions if a.kind == "time_slice"]) == bool(freed)
