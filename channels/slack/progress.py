"""One Slack message that follows a running turn: each step the agent reports (a StepEvent:
tool, args, phase started|done, status, summary) updates it, at most every `min_interval_s`."""

from __future__ import annotations

import inspect
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from opsgraph.channels.slack.render import progress_blocks, progress_text


@dataclass(frozen=True)
class Step:
    tool: str
    phase: str
    status: str | None
    summary: str


class ProgressMessage:
    def __init__(self, poster: Any, channel: str, ts: str | None, min_interval_s: float = 0.5) -> None:
        self._poster = poster
        self._channel = channel
        self.ts = ts
        self._min = min_interval_s
        self._steps: dict[str, Step] = {}
        self._last = 0.0
        self._lock = threading.Lock()
        self.updates = 0

    def __call__(self, event: Any) -> None:
        """The `on_step` callback: never raises into the agent."""
        try:
            key = f"{event.tool}:{json.dumps(getattr(event, 'args', {}) or {}, sort_keys=True, default=str)}"
            step = Step(event.tool, event.phase, getattr(event, "status", None), _words(event))
            with self._lock:
                self._steps[key] = step
                now = time.monotonic()
                if self.ts is None or (now - self._last < self._min and event.phase == "done"):
                    return
                self._last = now
                steps = list(self._steps.values())
            self._poster.call(
                "chat.update",
                durable=False,
                channel=self._channel,
                ts=self.ts,
                text=progress_text(steps),
                blocks=progress_blocks(steps),
            )
            self.updates += 1
        except Exception:  # progress is a courtesy; the answer must still come
            import logging

            logging.getLogger(__name__).exception("progress update failed")


def _words(event: Any) -> str:
    """What the step is doing in words ("reading logs of prod/checkout..."), however it says it."""
    describe = getattr(event, "describe", None)
    if callable(describe):
        return str(describe())
    summary = getattr(event, "summary", "") or ""
    return f"{event.tool}: {summary}" if summary else f"{event.tool}..."


def accepts_on_step(handle: Any) -> bool:
    """Whether `Agent.handle` takes an `on_step` callback (it is being added; detect, don't assume)."""
    try:
        return "on_step" in inspect.signature(handle).parameters
    except (TypeError, ValueError):
        return False
