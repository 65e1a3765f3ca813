"""Find or start the sandbox for a state directory, so every opsgraph process shares one cluster.

A serving process records `server.json` (pid, url) in the sandbox dir and holds an exclusive lock
on the state file; `ensure_running` reuses a live server (checked with GET /version), ignores a
stale record, and otherwise starts one in a daemon thread of the calling process.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .meta import iso
from .persistence import StateBusy
from .server import SandboxServer, write_kubeconfig

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings

_LOCAL: dict[Path, SandboxServer] = {}
_GUARD = threading.Lock()


class SandboxInUse(RuntimeError):
    """Another live process serves this state directory."""


def state_file(settings: Settings) -> Path:
    return Path(settings.sandbox_dir) / "state.json"


def kubeconfig_path(settings: Settings) -> Path:
    return Path(settings.sandbox_dir) / "kubeconfig"


def record_path(settings: Settings) -> Path:
    return Path(settings.sandbox_dir) / "server.json"


def ensure_running(settings: Settings) -> Path:
    """The kubeconfig of the sandbox serving `settings.sandbox_dir`, starting one if none is live."""
    with _GUARD:
        found = _find_live(settings)
        if found is not None:
            return found
        state = state_file(settings)
        try:
            server = SandboxServer(state, settings.sandbox_scenario).start()
        except StateBusy:
            # Another process holds the state file and is still starting: wait for its record.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.1)
                found = _find_live(settings)
                if found is not None:
                    return found
            raise
        _LOCAL[state] = server
        write_record(settings, server)
        atexit.register(_stop_local, settings, server)
        return write_kubeconfig(server.url, kubeconfig_path(settings))


def running_kubeconfig(settings: Settings) -> Path | None:
    """The kubeconfig of a live sandbox for this state dir, or None (never starts one)."""
    with _GUARD:
        return _find_live(settings)


def reset_state(settings: Settings) -> None:
    """Forget the sandbox state so the next start seeds the scenario again."""
    with _GUARD:
        local = _LOCAL.pop(state_file(settings), None)
        if local is not None:
            _stop_local(settings, local)
        record = read_record(settings)
        if record is not None and record_alive(record):
            raise SandboxInUse(
                f"the sandbox at {record['url']} (pid {record['pid']}) serves this state; stop it "
                "first, or run `opsgraph sandbox --reset`"
            )
        with contextlib.suppress(FileNotFoundError):
            state_file(settings).unlink()


def write_record(settings: Settings, server: SandboxServer) -> Path:
    path = record_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".server.json.tmp")
    tmp.write_text(
        json.dumps({"pid": os.getpid(), "url": server.url, "state_file": str(server.state_file), "started_at": iso()}),
        encoding="utf-8",
    )
    tmp.replace(path)
    return path


def read_record(settings: Settings) -> dict[str, Any] | None:
    try:
        record = json.loads(record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("url"), str) or not isinstance(record.get("pid"), int):
        return None
    return record


def remove_record(settings: Settings, server: SandboxServer) -> None:
    record = read_record(settings)
    if record is not None and record.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            record_path(settings).unlink()


def _find_live(settings: Settings) -> Path | None:
    path = kubeconfig_path(settings)
    local = _LOCAL.get(state_file(settings))
    if local is not None and local.running:
        if not _kubeconfig_points_to(path, local.url):
            write_kubeconfig(local.url, path)
        return path
    record = read_record(settings)
    if record is None or not record_alive(record):
        return None
    if not _kubeconfig_points_to(path, record["url"]):
        write_kubeconfig(record["url"], path)
    return path


def record_alive(record: dict[str, Any]) -> bool:
    try:
        os.kill(int(record["pid"]), 0)
    except (OSError, ValueError):
        return False
    try:
        with urllib.request.urlopen(f"{record['url']}/version", timeout=1.0) as response:
            return "gitVersion" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def _kubeconfig_points_to(path: Path, url: str) -> bool:
    try:
        return f"server: {url}" in path.read_text(encoding="utf-8")
    except OSError:
        return False


def _stop_local(settings: Settings, server: SandboxServer) -> None:
    with contextlib.suppress(Exception):
        server.stop()
    remove_record(settings, server)
    _LOCAL.pop(state_file(settings), None)
