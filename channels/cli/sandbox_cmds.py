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
    sandbox_app = typer.Typer(
        invoke_without_command=True,
        no_args_is_help=False,
        help="Serve the sandbox cluster in the foreground; `sandbox fault` breaks it on purpose.",
    )
    app.add_typer(sandbox_app, name="sandbox")

    @sandbox_app.callback()
    def sandbox_command(
        ctx: typer.Context,
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
        if ctx.invoked_subcommand is None:
            serve(port=port, scenario=scenario, reset=reset, time_scale=time_scale)

    fault_app = typer.Typer(
        no_args_is_help=True,
        help="Inject, list and clear faults on the sandbox (a running one, else its saved state).",
    )
    sandbox_app.add_typer(fault_app, name="fault")

    @fault_app.command("inject")
    def fault_inject(
        kind: Annotated[str, typer.Argument(help=f"one of: {', '.join(_KINDS)}")],
        target: Annotated[str, typer.Option("--target", help="NAMESPACE/DEPLOYMENT, or a node for node-notready")],
        param: Annotated[
            list[str] | None, typer.Option("--param", help="KEY=VALUE, repeatable (see sandbox/README.md)")
        ] = None,
        wait: Annotated[float, typer.Option("--wait", help="seconds to wait until the fault shows (0: none)")] = 10.0,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Break something the way a real cluster shows it (pods, events, conditions)."""
        from opsgraph.channels.cli._output import print_json
        from opsgraph.channels.session import load_settings
        from opsgraph.sandbox.faults import FaultError, client, parse

        if wait < 0:
            die("--wait must be 0 or more seconds")
        try:
            fault = parse(kind, target, _params(param or []))
            outcome = client.inject(load_settings(), fault, wait)
        except FaultError as exc:
            die(str(exc))
        if as_json:
            print_json({**outcome.document, "where": outcome.where})
            return
        shown = "it shows now" if outcome.document.get("manifested") else "it will show as the pods cycle"
        release = outcome.document["fault"].get("release_image")
        extra = f" (release {release})" if release else ""
        _say(f"injected {kind} on {target}{extra} [{outcome.where}]; {shown}")

    @fault_app.command("clear")
    def fault_clear(
        kind: Annotated[str | None, typer.Argument(help="only faults of this kind (default: all)")] = None,
        target: Annotated[str | None, typer.Option("--target", help="only faults on this target")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """Undo faults; the pods recover the way they would once the cause is gone."""
        from opsgraph.channels.cli._output import print_json
        from opsgraph.channels.session import load_settings
        from opsgraph.sandbox.faults import FaultError, client

        if kind is not None and kind not in _KINDS:
            die(f"unknown fault kind {kind!r}; one of: {', '.join(_KINDS)}")
        try:
            outcome = client.clear(load_settings(), kind, target)
        except FaultError as exc:
            die(str(exc))
        if as_json:
            print_json({**outcome.document, "where": outcome.where})
            return
        cleared = outcome.document.get("cleared") or []
        if not cleared:
            _say("no matching fault in effect")
        for fault in cleared:
            _say(f"cleared {fault['kind']} on {fault['target']} [{outcome.where}]")

    @fault_app.command("list")
    def fault_list(
        as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    ) -> None:
        """The faults in effect."""
        from opsgraph.channels.cli._output import print_json
        from opsgraph.channels.session import load_settings
        from opsgraph.sandbox.faults import FaultError, client

        try:
            outcome = client.active(load_settings())
        except FaultError as exc:
            die(str(exc))
        if as_json:
            print_json({**outcome.document, "where": outcome.where})
            return
        faults = outcome.document.get("faults") or []
        if not faults:
            _say(f"no faults in effect [{outcome.where}]")
        for fault in faults:
            params = " ".join(f"{k}={v}" for k, v in fault.get("params", {}).items())
            _say(f"{fault['kind']:<22} {fault['target']:<28} since {fault['injected_at']}  {params}".rstrip())


# Kept in step with opsgraph.sandbox.faults.spec.KINDS (a test checks), so --help stays fast.
_KINDS = (
    "crashloop",
    "image-pull",
    "oom",
    "readiness",
    "missing-configmap-key",
    "pending",
    "node-notready",
    "stuck-rollout",
    "hpa-max",
)


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            die(f"--param takes KEY=VALUE, not {pair!r}")
        params[key.strip()] = value
    return params


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
