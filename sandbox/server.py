"""`SandboxServer`: the simulated Kubernetes API on 127.0.0.1, in a background thread.

with SandboxServer(state_dir / "state.json", time_scale=0.05).start() as server:
    kubeconfig = server.write_kubeconfig(tmp / "kubeconfig")
    api = kubernetes.client.AppsV1Api(kubernetes.config.new_client_from_config(str(kubeconfig)))
"""

from __future__ import annotations

import statistics
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from .api import Api
from .cluster import Cluster
from .faults import Fault
from .httpd import SandboxHTTPServer

CONTEXT = "opsgraph-sandbox"
TOKEN = "opsgraph-sandbox-token"


class SandboxServer:
    def __init__(
        self,
        state_file: Path,
        scenario: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 1.0,
        reset: bool = False,
    ) -> None:
        self.state_file = Path(state_file)
        self.host = host
        self.port = port
        # Loads and validates the scenario now, so a bad file fails before anything starts.
        self.cluster = Cluster(self.state_file, scenario, time_scale=time_scale, reset=reset)
        self._http: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._http is not None

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the sandbox server is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        if self._http is not None:
            return self
        self.cluster.open()
        try:
            self._http = SandboxHTTPServer((self.host, self.port), self._api)
        except BaseException:
            self.cluster.close()
            raise
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def _api(self, http: SandboxHTTPServer) -> Api:
        host, port = http.server_address[:2]
        return Api(self.cluster, f"{host!s}:{port}")

    def stop(self) -> None:
        """Stop serving, end open watches, flush the state file and release it."""
        if self._http is None:
            return
        self._http.stopping = True
        self.cluster.store.close()
        self._http.shutdown()
        self._http.server_close()
        self._http.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._http = None
        self._thread = None
        self.cluster.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- faults: see sandbox/faults and sandbox/README.md -----------------------------------------
    def inject(self, fault: Fault, wait: float | None = None) -> dict[str, Any]:
        """Break something (FaultError, one line, when it cannot be); `wait` seconds for it to show."""
        return self.cluster.inject(fault, wait)

    def clear(self, kind: str | None = None, target: str | None = None) -> list[dict[str, Any]]:
        """Undo the faults of that kind and/or target (all without filters); the pods recover."""
        return self.cluster.clear(kind, target)

    def faults(self) -> list[dict[str, Any]]:
        return self.cluster.faults()

    def wait_manifested(self, timeout: float = 10.0) -> bool:
        return self.cluster.wait_manifested(timeout)

    def write_kubeconfig(self, path: Path) -> Path:
        """A kubeconfig with one cluster/context/user named `opsgraph-sandbox` pointing at this server."""
        return write_kubeconfig(self.url, path)

    def latency_ms(self) -> dict[str, float]:
        """Server-side time per answered request (excluding watches): p50 / p99 in milliseconds."""
        if self._http is None or not self._http.durations:
            return {"count": 0.0, "p50": 0.0, "p99": 0.0}
        samples = sorted(self._http.durations)
        q = statistics.quantiles(samples, n=100) if len(samples) > 1 else [samples[0]] * 99
        return {"count": float(len(samples)), "p50": q[49] * 1000, "p99": q[98] * 1000}

    def reset_latency(self) -> None:
        if self._http is not None:
            self._http.durations.clear()


def write_kubeconfig(url: str, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": url}}],
        "users": [{"name": CONTEXT, "user": {"token": TOKEN}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": "default"}}],
        "current-context": CONTEXT,
        "preferences": {},
    }
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path
