"""`opsgraph sandbox`: serve the simulated Kubernetes API in the foreground until Ctrl-C.

Module level imports only typer and the standard library (`opsgraph --help` stays fast); the
sandbox is imported inside the command.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from opsgraph.channels.cli._output import die


def register(app: typer.Typer) -> None:
    @app.command("sandbox")
    def sandbox_command(
        port: Annotated[int, typer.Option("--port", help="port on 127.0.0.1 (0 picks a free one)")] = 0,
        scenario: Annotated[
            Path | None, typer.Option("--scenario", help="scenario YAML (default: the shipped one)")
        ] = None,
        reset: Annotated[bool, typer.Option("--reset", help="forget saved state, start from the scenario")] = False,
        time_scale: Annotated[
            float,
            typer.Option("--time-scale", help="multiplies simulated durations (0.1 = ten times faster)"),
        ] = 1.0,
    ) -> None:
        """Serve the sandbox Kubernetes cluster on 127.0.0.1 in the foreground (Ctrl-C stops it)."""
        serve(port=port, scenario=scenario, reset=reset, time_scale=time_scale)


def serve(*, port: int, scenario: Path | None, reset: bool, time_scale: float) -> None:
    from opsgraph.channels.session import load_settings
    from opsgraph.sandbox import runtime
    from opsgraph.sandbox.persistence import StateBusy
    from opsgraph.sandbox.scenario import ScenarioError
    from opsgraph.sandbox.server import SandboxServer, write_kubeconfig

    if time_scale <= 0:
        die("--time-scale must be greater than 0")
    if not 0 <= port <= 65535:
        die("--port must be between 0 and 65535")
    settings = load_settings()
    record = runtime.read_record(settings)
    if record is not None and runtime.record_alive(record):
        die(f"a sandbox already serves {settings.sandbox_dir} at {record['url']} (pid {record['pid']}); stop it first")
    try:
        server = SandboxServer(
            runtime.state_file(settings),
            scenario or settings.sandbox_scenario,
            port=port,
            time_scale=time_scale,
            reset=reset,
        )
    except ScenarioError as exc:
        die(f"bad scenario: {exc}")
    try:
        server.start()
    except StateBusy:
        die(f"another process serves the sandbox state in {settings.sandbox_dir}; stop it first")
    except OSError as exc:
        die(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Both, explicitly: a shell may start background jobs with SIGINT ignored.
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        runtime.write_record(settings, server)
        kubeconfig = write_kubeconfig(server.url, runtime.kubeconfig_path(settings))
        _say(f"sandbox Kubernetes API serving at {server.url}")
        _say(f"  scenario:   {server.cluster.scenario_path}")
        _say(f"  state:      {server.state_file}")
        _say(f"  kubeconfig: {kubeconfig}")
        _say("opsgraph in this state dir finds it by itself; to point opsgraph at it explicitly:")
        _say(f"  export OPSGRAPH_CLUSTER=kubeconfig OPSGRAPH_KUBECONFIG={kubeconfig}")
        _say("kubectl:")
        _say(f"  export KUBECONFIG={kubeconfig}")
        _say("Ctrl-C stops it.")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
        runtime.remove_record(settings, server)
        _say(f"sandbox stopped; state saved to {server.state_file}")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
