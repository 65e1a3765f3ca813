"""Durable state of applying GPU plans: the pinned plans, and one write-ahead journal per run.

`pin` stores the plan a dry run showed (content-addressed: its id is a hash of its actions and
totals), so the plan an approval was bound to is the plan that runs, and a retry after a crash
runs the same plan. A run's journal is a JSON-lines file: a header (plan id, arguments key,
approval, actor), then `begin` before a step touches the cluster and `done` (with what it found)
after it was verified, each line flushed and fsync'd. A run that crashed leaves its journal
open (no `end` line): the next apply with the same arguments resumes it within the window,
skipping the steps that are done and redoing the one that had begun (every step is idempotent).
A run that stopped at a failed step is ended: the next apply plans again from the cluster.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from opsgraph.tools.errors import Conflict


def digest(document: Any, length: int = 16) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@dataclass
class Run:
    path: Path
    plan_id: str
    key: str
    started_at: float
    done: dict[int, dict[str, Any]] = field(default_factory=dict)
    begun: set[int] = field(default_factory=set)
    ended: str | None = None
    last_at: float = 0.0
    _handle: IO[str] | None = None

    @property
    def resumed(self) -> bool:
        return bool(self.begun)

    def _append(self, record: dict[str, Any]) -> None:
        if self._handle is None:
            raise RuntimeError("the journal is not open for writing")
        record = {**record, "at": round(time.time(), 3)}
        self._handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.last_at = record["at"]

    def begin(self, index: int, title: str) -> None:
        self._append({"event": "begin", "step": index, "title": title})
        self.begun.add(index)

    def finish_step(self, index: int, title: str, result: dict[str, Any]) -> None:
        self._append({"event": "done", "step": index, "title": title, "result": result})
        self.done[index] = result

    def end(self, outcome: str, detail: str = "") -> None:
        self._append({"event": "end", "outcome": outcome, "detail": detail})
        self.ended = outcome

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()  # drops the flock
            self._handle = None


class ApplyState:
    """`<state_dir>/gpu/apply/`: plans/<id>.json and runs/<id>-<started>.jsonl."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def pin(self, key: str, plan: dict[str, Any]) -> str:
        plan_id = digest(plan)
        path = self.root / "plans" / f"{plan_id}.json"
        if not path.exists():
            _write_atomic(path, json.dumps({"id": plan_id, "key": key, "plan": plan}, sort_keys=True))
        return plan_id

    def plan(self, plan_id: str) -> dict[str, Any]:
        path = self.root / "plans" / f"{plan_id}.json"
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["plan"]
        return document

    def open_run(self, key: str, window_s: float, now: float | None = None) -> Run | None:
        """The newest run with these arguments that crashed (no end) within the window."""
        now = time.time() if now is None else now
        found: Run | None = None
        for path in sorted((self.root / "runs").glob("*.jsonl")):
            run = read_run(path)
            if run is None or run.key != key or run.ended is not None or now - run.last_at > window_s:
                continue
            if found is None or run.started_at > found.started_at:
                found = run
        return found

    def start(self, plan_id: str, key: str, header: dict[str, Any], resume: Run | None = None) -> Run:
        """Open a run for writing (a new one, or `resume`), locked against a second process."""
        if resume is not None:
            path, run = resume.path, resume
        else:
            started = time.time()
            path = self.root / "runs" / f"{plan_id}-{int(started * 1000)}.jsonl"
            run = Run(path, plan_id, key, started)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - held until Run.close()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise Conflict(f"another apply of GPU plan {plan_id} is running") from None
        run._handle = handle
        if resume is None:
            run._append({"event": "start", "plan": plan_id, "key": key, **header})
        else:
            run._append({"event": "resume", "plan": plan_id, **header})
        return run


def read_run(path: Path) -> Run | None:
    run: Run | None = None
    with contextlib.suppress(OSError), open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line: the crash happened while writing it
            event = record.get("event")
            if event == "start":
                run = Run(path, record["plan"], record["key"], record["at"])
            elif run is None:
                return None
            elif event == "begin":
                run.begun.add(int(record["step"]))
            elif event == "done":
                run.done[int(record["step"])] = record.get("result") or {}
            elif event == "end":
                run.ended = str(record.get("outcome"))
            if run is not None:
                run.last_at = float(record.get("at", run.last_at))
    return run
