"""Run the gateway in a background thread on a loopback port (tests, benchmarks, embedding)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from opsgraph.serving.gateway.app import GatewayConfig, create_app


class GatewayServer:
    def __init__(self, config: GatewayConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.app = create_app(config)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def gateway(self) -> Any:
        return self.app.state.gateway

    def start(self, timeout_s: float = 180.0) -> GatewayServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> GatewayServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
