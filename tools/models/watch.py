"""`opsgraph drift watch`: check the production data of the configured models on a schedule.

On each pass, for each model (the configured `watch_models`, or every registered model with a
configured current-data location):
- the current data's content hash, the champion version and its reference hash make the
  model's *fingerprint*; an unchanged fingerprint is not checked again;
- a changed one is checked (data checks, then drift, report logged to MLflow);
- a new drift episode (dataset drift where the last check had none, or on another version or
  other columns) raises a firing alert `ModelDrift` into the incident flow and files a proposal,
  `model_rollback` when the previous champion fits the current data (it does not drift on it),
  otherwise `model_retrain`, as a structured call that waits for a person's approval: it is
  never executed by the watcher. Failed data checks raise `ModelDataCheckFailed` instead (broken
  data wants a fix upstream, not a retrain);
- the end of an episode (no dataset drift any more) resolves the alert.

The state (one JSON file, replaced atomically) records each model's fingerprint and episode, so a
restart neither re-checks unchanged data nor re-alerts the same drift.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from opsgraph.tools.errors import ToolError
from opsgraph.tools.models.frames import file_sha256

if TYPE_CHECKING:
    from opsgraph.tools.models.drift_run import DriftCheck
    from opsgraph.tools.models.settings import ModelsSettings
    from opsgraph.tools.models.store import ModelStore

log = logging.getLogger(__name__)


class AlertSink(Protocol):
    def send(self, payload: dict[str, Any]) -> None:
        """Deliver one Alertmanager webhook v4 payload (raise on failure: it is retried next pass)."""


class Proposer(Protocol):
    def propose(self, tool: str, args: dict[str, Any], text: str, thread: str) -> str | None:
        """File a proposed call for approval; the approval id, if one is pending."""


@dataclass
class Outcome:
    model: str
    status: str  # unchanged | checked | skipped | error
    detail: str = ""
    dataset_drift: bool | None = None
    drifted: list[str] = field(default_factory=list)
    alert: str | None = None  # firing | resolved | data-checks (what was sent this pass)
    proposal: dict[str, Any] | None = None
    approval_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class WatchState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.models: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                self.models = dict(json.loads(path.read_text()).get("models", {}))
            except (ValueError, AttributeError):
                log.error("drift watch state %s is unreadable; starting afresh", path)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"models": self.models}, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


class Watcher:
    def __init__(
        self,
        store: ModelStore,
        settings: ModelsSettings,
        state: WatchState,
        *,
        report_dir: Path,
        sink: AlertSink,
        proposer: Proposer | None,
    ) -> None:
        self.store, self.settings, self.state = store, settings, state
        self.report_dir, self.sink, self.proposer = report_dir, sink, proposer

    def models(self) -> list[str]:
        if self.settings.watch_models:
            return list(self.settings.watch_models)
        return [m for m in self.store.names() if self.store.current_data(m)]

    def run_once(self, stop: threading.Event | None = None) -> list[Outcome]:
        outcomes = []
        for model in self.models():
            if stop is not None and stop.is_set():
                break
            try:
                outcomes.append(self.check(model))
            except ToolError as exc:
                outcomes.append(Outcome(model, "error", exc.message))
            self.state.save()
        return outcomes

    def check(self, model: str) -> Outcome:
        from opsgraph.tools.models.drift_run import check_model

        location = self.store.current_data(model)
        champion = self.store.alias_version(model, "champion")
        if not location:
            return Outcome(model, "skipped", "no current-data location configured")
        if champion is None:
            return Outcome(model, "skipped", "no champion to watch")
        path = Path(location)
        if not path.is_file():
            return Outcome(model, "error", f"current data {location} does not exist")
        info = self.store.version(model, champion)
        fingerprint = f"v{champion}:{info.reference_sha256}:{file_sha256(path)}"
        seen = self.state.models.setdefault(model, {})
        if seen.get("fingerprint") == fingerprint:
            return Outcome(model, "unchanged", "current data unchanged since the last check",
                           seen.get("dataset_drift"), list(seen.get("drifted", [])))  # fmt: skip
        done = check_model(self.store, model, self.settings, version=champion, current=path, report_dir=self.report_dir)
        outcome = Outcome(model, "checked", f"report {done.report}", done.drift.dataset_drift, done.drift.drifted)
        self._data_checks(model, done, seen, outcome)
        if done.drift.dataset_drift:
            self._drift(model, champion, done, seen, outcome)
        elif seen.get("episode"):
            self.sink.send(_payload("ModelDrift", model, seen["episode"], resolved=True))
            outcome.alert = "resolved"
            seen["episode"] = None
        seen |= {"fingerprint": fingerprint, "dataset_drift": done.drift.dataset_drift, "drifted": done.drift.drifted,
                 "checked_at": time.time()}  # fmt: skip
        return outcome

    def _data_checks(self, model: str, done: DriftCheck, seen: dict[str, Any], outcome: Outcome) -> None:
        failed = sorted(f"{c.column}:{c.check}" for c in done.failed_checks)
        if failed and failed != seen.get("failed_checks"):
            details = "; ".join(f"{c.column} {c.check}: {c.detail}" for c in done.failed_checks[:5])
            episode = {"version": done.version, "columns": failed, "summary": f"data checks failed: {details}"}
            self.sink.send(_payload("ModelDataCheckFailed", model, episode))
            outcome.alert = "data-checks"
        seen["failed_checks"] = failed

    def _drift(self, model: str, champion: int, done: DriftCheck, seen: dict[str, Any], outcome: Outcome) -> None:
        columns = sorted(done.drift.drifted)
        key: dict[str, Any] = {"version": champion, "columns": columns}
        episode = seen.get("episode") or {}
        if {"version": episode.get("version"), "columns": episode.get("columns")} == key:
            outcome.detail += "; same drift as already alerted"
            return
        tool, args, why = self._remedy(model, champion, done)
        shown = ", ".join(columns[:5])
        summary = f"{model} v{champion}: dataset drift in {shown} (share {done.drift.drift_share:.2f}); proposed {tool}"
        proposal = {"tool": tool, "args": args, "why": why}
        episode = {**key, "summary": summary, "proposal": proposal}
        self.sink.send(_payload("ModelDrift", model, episode))
        outcome.alert, outcome.proposal = "firing", proposal
        if self.proposer is not None:
            outcome.approval_id = self.proposer.propose(tool, args, f"drift on {model}: {why}", f"drift-{model}")
        seen["episode"] = {**episode, "approval_id": outcome.approval_id, "at": time.time()}

    def _remedy(self, model: str, champion: int, done: DriftCheck) -> tuple[str, dict[str, Any], str]:
        """Roll back when the previous champion does not drift on this data; else retrain."""
        from opsgraph.tools.models.drift_run import check_model
        from opsgraph.tools.models.promotion import rollback_target

        plan = rollback_target(self.store, model, None)
        if plan.target is not None and plan.target != champion:
            try:
                previous = check_model(self.store, model, self.settings, version=plan.target,
                                       current=Path(done.current), report_dir=self.report_dir)  # fmt: skip
            except ToolError as exc:
                log.warning("cannot check %s v%s for a rollback: %s", model, plan.target, exc.message)
            else:
                if not previous.drift.dataset_drift:
                    why = f"v{champion} drifts on the current data, the previous champion v{plan.target} does not"
                    return "model_rollback", {"model": model, "version": plan.target}, why
        return "model_retrain", {"model": model}, "the current data drifted from the champion's training data"


def _payload(name: str, model: str, episode: dict[str, Any], *, resolved: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    labels = {"alertname": name, "model": model, "severity": "warning", "service": model, "source": "opsgraph-drift"}
    annotations = {"summary": str(episode.get("summary", "")), "version": str(episode.get("version", ""))}
    if episode.get("proposal"):
        annotations["proposal"] = json.dumps(episode["proposal"], sort_keys=True)
    alert = {"labels": labels, "annotations": annotations, "startsAt": now, "status": "firing"}
    if resolved:
        alert |= {"endsAt": now, "status": "resolved"}
    return {
        "version": "4",
        "status": "resolved" if resolved else "firing",
        "receiver": "opsgraph-drift-watch",
        "groupKey": f'{{}}:{{alertname="{name}", model="{model}"}}',
        "alerts": [alert],
        "groupLabels": {"alertname": name, "model": model},
        "commonLabels": labels,
        "commonAnnotations": annotations,
    }


def watch(watcher: Watcher, interval_s: float, stop: threading.Event, on_pass: Callable[[list[Outcome]], None]) -> None:
    """Pass after pass until `stop` is set (a pass in progress finishes its current model)."""
    while not stop.is_set():
        on_pass(watcher.run_once(stop))
        stop.wait(interval_s)
