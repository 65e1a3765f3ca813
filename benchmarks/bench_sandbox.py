"""Sandbox API latency: 1,000 `read_namespaced_deployment` calls through the official client.

    .venv/bin/python benchmarks/bench_sandbox.py [--calls 1000]

Prints client-side (round trip through the kubernetes client) and server-side (time inside the
sandbox handler) p50/p99 in milliseconds, plus a list and a patch for scale.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49] * 1000, q[98] * 1000


def _time(calls: int, fn: Callable[[], Any]) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()

    import kubernetes

    from opsgraph.sandbox.server import SandboxServer

    with tempfile.TemporaryDirectory() as tmp, SandboxServer(Path(tmp) / "state.json").start() as server:
        api_client = kubernetes.config.new_client_from_config(
            config_file=str(server.write_kubeconfig(Path(tmp) / "kubeconfig"))
        )
        apps = kubernetes.client.AppsV1Api(api_client)
        core = kubernetes.client.CoreV1Api(api_client)
        cases: list[tuple[str, int, Callable[[], Any]]] = [
            (
                "read_namespaced_deployment",
                args.calls,
                lambda: apps.read_namespaced_deployment("checkout", "prod"),
            ),
            (
                "  same, raw JSON (_preload_content=False)",
                args.calls,
                lambda: apps.read_namespaced_deployment("checkout", "prod", _preload_content=False).data,
            ),
            ("list_namespaced_pod (prod)", args.calls // 10, lambda: core.list_namespaced_pod("prod")),
            ("list_deployment_for_all_namespaces", args.calls // 10, apps.list_deployment_for_all_namespaces),
        ]
        columns = ("client p50", "client p99", "server p50", "server p99")
        print(f"{'call':44} {'n':>5} " + " ".join(f"{c:>10}" for c in columns))
        for name, calls, fn in cases:
            fn()  # warm the connection
            server.reset_latency()
            client = _percentiles(_time(calls, fn))
            inside = server.latency_ms()
            print(
                f"{name:44} {calls:5d} {client[0]:9.2f}ms {client[1]:9.2f}ms "
                f"{inside['p50']:9.2f}ms {inside['p99']:9.2f}ms"
            )


if __name__ == "__main__":
    main()
