"""Where a remediation policy talks: an incident's thread (the incident post), or, for a policy
started by a metric anomaly alone, a thread of its own opened in the channel the incident routes
choose for that severity, service and namespace."""

from __future__ import annotations

import logging
import threading
from typing import Any

from opsgraph.channels.slack.blocks import context, escape, header, section

log = logging.getLogger(__name__)


class RemediationThreads:
    """The remediation engine's notifier: `open(thread, ...)` for an anomaly, `post(thread, turn)`."""

    def __init__(self, incidents: Any, config: Any, fallback_channel: str | None = None) -> None:
        self.incidents = incidents
        self.config = config
        self.fallback_channel = fallback_channel
        self._opened: dict[str, tuple[str, str]] = {}  # subject -> (channel, ts)
        self._lock = threading.Lock()

    def open(self, thread: str, text: str, severity: str, service: str | None, namespace: str | None) -> bool:
        subject = thread.split("/", 1)[0]
        channel = self.config.route(severity, (service,) if service else (), (namespace,) if namespace else ())
        channel = channel or self.fallback_channel
        if channel is None:
            log.info("%s: no Slack channel routes it", subject)
            return False
        title = f"📈 anomaly: {service or 'a metric'}" + (f" in {namespace}" if namespace else "")
        blocks = [header(title), section(escape(text)), context("a remediation policy started on this anomaly")]
        data = self.incidents.poster.call("chat.postMessage", channel=channel, text=text[:3000], blocks=blocks)
        if data is None:
            return False
        with self._lock:
            self._opened[subject] = (str(data.get("channel", channel)), str(data["ts"]))
        return True

    def post(self, thread: str, result: Any) -> None:
        with self._lock:
            where = self._opened.get(thread.split("/", 1)[0])
        if where is None:
            self.incidents.post(thread, result)
            return
        if self.incidents.assistant is None:
            log.warning("[%s] %s", thread, result.reply)
            return
        self.incidents.assistant.post_result(where[0], where[1], result)
