"""Run every benchmark in turn (`make bench`); each prints its own ratios against its baseline
and writes benchmarks/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = [
    "bench_cli_startup.py",
    "bench_agent_overhead.py",
    "bench_sandbox.py",
    "bench_guard.py",
    "bench_correlator.py",
    "bench_anomaly.py",
    "bench_gpu.py",
    "bench_drift.py",
    "bench_models_repl.py",
    "bench_runbooks.py",
    "bench_semantic_cache.py",
    "bench_gateway.py",
    "bench_slack_incidents.py",
    "bench_terraform.py",
    "bench_state_backends.py",
]


def main() -> int:
    failed = []
    for script in BENCHMARKS:
        print(f"\n=== {script} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / script)])
        print(f"--- {script}: exit {code}, {time.monotonic() - started:.0f}s", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
