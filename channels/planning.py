"""`opsgraph plan`: the planner alone, never executing, against the cluster inventory (or the
sandbox scenario when no cluster is running). Fast: no graph, no sklearn, no cluster writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opsgraph.channels.cli._output import die


def read_messages(path: Path) -> Iterator[str]:
    """`{"text": ...}` per line, read as it is planned (a file of any length streams); a bad line
    is an error naming its number, nothing is skipped."""
    from opsgraph.core.files import InputFileError, loads_json, not_utf8

    try:
        handle = path.open("rb")
    except OSError as exc:
        die(f"cannot read {path}: {exc.strerror}")
    with handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                die(not_utf8(f"{path}:{number}", exc).replace("at offset", "at column"))
            if not line.strip():
                continue
            try:
                record = loads_json(line, f"{path}:{number}")
            except json.JSONDecodeError as exc:
                die(f"{path}:{number}: not JSON ({exc.msg})")
            except InputFileError as exc:
                die(str(exc))
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                die(f'{path}:{number}: expected an object with a "text" string, e.g. {{"text": "status of prod"}}')
            yield record["text"]


class OfflinePlanner:
    def __init__(self, settings: Any) -> None:
        from opsgraph.agent.planner.planner import DeterministicPlanner
        from opsgraph.agent.services import offline_inventory
        from opsgraph.guardrails.injection import scan

        self._scan = scan
        self._planner = DeterministicPlanner.load(settings.cache_dir)
        self._inventory = offline_inventory(settings)

    @classmethod
    def from_env(cls) -> OfflinePlanner:
        from opsgraph.channels.session import load_settings

        return cls(load_settings())

    def plan(self, text: str) -> dict[str, Any]:
        verdict = self._scan(text)
        if verdict.injection:
            from opsgraph.guardrails.injection.explain import refusal

            return {
                "intent": "blocked",
                "confidence": verdict.score,
                "tool_calls": [],
                "reply": refusal(verdict.reasons),
            }
        return self._planner.plan(text, self._inventory).to_json()
