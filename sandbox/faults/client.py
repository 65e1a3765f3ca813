"""Faults on the sandbox of a state directory, for the CLI: through the admin endpoint of the live
server (`opsgraph sandbox`, `opsgraph demo`), or, when none is serving, by opening the saved state,
changing it, and saving it again (what `opsgraph ask` starts from next)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .spec import Fault, FaultError

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings

TIMEOUT = 5.0


@dataclass(frozen=True)
class Outcome:
    document: dict[str, Any]
    where: str  # the server URL, or "saved state"


def _live_url(settings: Settings) -> str | None:
    from .. import runtime

    record = runtime.read_record(settings)
    if record is not None and runtime.record_alive(record):
        return str(record["url"])
    return None


def _call(url: str, method: str, query: dict[str, str], body: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
    target = f"{url}/sandbox/faults"
    if query:
        target += "?" + urllib.parse.urlencode(query)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(target, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            document: dict[str, Any] = json.loads(response.read())
            return document
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error") or str(exc)
        except ValueError:
            message = str(exc)
        raise FaultError(str(message)) from exc
    except OSError as exc:
        raise FaultError(f"the sandbox at {url} did not answer: {exc}") from exc


def _offline(settings: Settings) -> Any:
    from .. import runtime
    from ..persistence import StateBusy
    from ..server import SandboxServer

    try:
        return SandboxServer(runtime.state_file(settings), settings.sandbox_scenario).start()
    except StateBusy as exc:
        raise FaultError(f"another process holds the sandbox state in {settings.sandbox_dir}; try again") from exc


def inject(settings: Settings, fault: Fault, wait: float) -> Outcome:
    url = _live_url(settings)
    if url is not None:
        query = {"wait": str(wait)} if wait > 0 else {}
        document = _call(url, "POST", query, fault.model_dump(), timeout=TIMEOUT + wait)
        return Outcome(document, url)
    server = _offline(settings)
    try:
        record = server.inject(fault)
        manifested = server.wait_manifested(wait) if wait > 0 else False
    finally:
        server.stop()
    return Outcome({"fault": record, "manifested": manifested}, "saved state")


def clear(settings: Settings, kind: str | None, target: str | None) -> Outcome:
    url = _live_url(settings)
    if url is not None:
        query = {k: v for k, v in (("kind", kind), ("target", target)) if v}
        return Outcome(_call(url, "DELETE", query, None, timeout=TIMEOUT), url)
    from .. import runtime

    if not runtime.state_file(settings).exists():
        return Outcome({"cleared": []}, "saved state")
    server = _offline(settings)
    try:
        cleared = server.clear(kind, target)
    finally:
        server.stop()
    return Outcome({"cleared": cleared}, "saved state")


def active(settings: Settings) -> Outcome:
    url = _live_url(settings)
    if url is not None:
        return Outcome(_call(url, "GET", {}, None, timeout=TIMEOUT), url)
    from .. import runtime
    from ..persistence import StateFile
    from .engine import public

    document = StateFile(runtime.state_file(settings)).load() or {}
    return Outcome({"faults": [public(f) for f in document.get("faults") or []]}, "saved state")
