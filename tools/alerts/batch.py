"""Correlate a whole document at once (the `opsgraph alerts correlate` path): read, parse,
stream through a fresh correlator in time order, snapshot every incident, largest first."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from opsgraph.core.files import InputFileError, loads_json, read_text
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.incidents import IncidentSnapshot, by_size, snapshot
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.payloads import PayloadError, parse_document
from opsgraph.tools.alerts.topology import EMPTY, Topology


def read_alerts(path: Path, now: float | None = None) -> list[Alert]:
    """Alerts from a JSON file (list of v2 alerts or a webhook payload); PayloadError names the file."""
    try:
        text = read_text(path)
        document: Any = loads_json(text, path)
    except OSError as exc:
        raise PayloadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except InputFileError as exc:
        raise PayloadError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    try:
        return parse_document(document, time.time() if now is None else now)
    except PayloadError as exc:
        raise PayloadError(f"{path}: {exc}") from None


def correlate_alerts(alerts: list[Alert], topology: Topology = EMPTY) -> list[IncidentSnapshot]:
    """Incidents for `alerts` (indices in the snapshots refer to this list), largest first."""
    correlator = Correlator(topology)
    order = sorted(range(len(alerts)), key=lambda i: (alerts[i].event_time, i))
    for i in order:
        correlator.ingest(alerts[i], i)
    snaps = [snapshot(inc, topology, correlator.baseline) for inc in correlator.incidents()]
    return by_size(snaps)
