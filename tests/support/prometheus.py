"""A real Prometheus (the Debian package) on a free 127.0.0.1 port, for tests.

`prometheus_factory` is a fixture returning `start(openmetrics=None) -> base_url`: the optional
OpenMetrics text is backfilled into a fresh TSDB with `promtool tsdb create-blocks-from
openmetrics` before the server starts, so a test can query a known history. Every server started
is stopped (by its own pid) at teardown. Tests skip with a clear message when the binaries are
absent (`make test` installs them; see scripts/install-system-deps.sh).

Backfilled blocks are 2h-aligned; keep the data's last sample a few hours before now so it never
overlaps the server's head block, and query that past range (e.g. `anomaly_scan(end=...)`).
Retention is set to 30 days, which keeps anything a test backfills.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port, stop_process

CONFIG = "global:\n  scrape_interval: 1m\nscrape_configs: []\n"
READY_TIMEOUT_S = 30.0


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if found is None:
        pytest.skip(f"`{name}` is not installed (apt-get install prometheus, or run `make test`)")
    return found


def backfill(openmetrics: str, data_dir: Path) -> None:
    """Write OpenMetrics text (must end with '# EOF') into TSDB blocks under data_dir."""
    source = data_dir.parent / "backfill.om"
    source.write_text(openmetrics if openmetrics.endswith("\n") else openmetrics + "\n")
    done = subprocess.run(
        [_binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source), str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool backfill failed: {done.stderr.strip() or done.stdout.strip()}")


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"prometheus did not become ready in {READY_TIMEOUT_S}s: {log.read_text()[-2000:]}")


@pytest.fixture
def prometheus_factory(tmp_path: Path) -> Iterator[Callable[..., str]]:
    binary = _binary("prometheus")
    started: list[subprocess.Popen[bytes]] = []

    def start(openmetrics: str | None = None) -> str:
        root = tmp_path / f"prometheus-{len(started)}"
        data = root / "data"
        data.mkdir(parents=True)
        if openmetrics is not None:
            backfill(openmetrics, data)
        config = root / "prometheus.yml"
        config.write_text(CONFIG)
        port = free_port()
        log = root / "prometheus.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=30d",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process, log)
        return url

    yield start
    for process in started:
        stop_process(process)
