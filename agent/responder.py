"""Answer incidents by itself: when correlation opens (or escalates) an incident, the agent shows
it in the incident's conversation and proposes the suggested fix, which always waits for a
person: the request is marked as coming from an alert, and policy never lets such a write run
alone. Where the answer goes (Slack channel, terminal, log) is the notifier's business.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent, TurnResult

log = logging.getLogger(__name__)

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


class Notifier(Protocol):
    def post(self, thread: str, result: TurnResult) -> None: ...


class LogNotifier:
    """Writes the agent's answer to the log (the default when no chat channel is configured)."""

    def post(self, thread: str, result: TurnResult) -> None:
        log.warning("[%s] %s", thread, result.reply)


def phrase_action(action: Any) -> str | None:
    """The suggested fix as the request a person would type, so it takes the normal path."""
    name = action.args.get("name")
    if not action.tool or not name:
        return None
    where = f" in {action.args['namespace']}" if action.args.get("namespace") else ""
    return {
        "k8s_restart": f"restart {name}{where}",
        "k8s_rollback": f"roll back {name}{where}",
        "k8s_scale": f"scale {name}{where} up by 2",
    }.get(action.tool)


class IncidentResponder:
    """Callable for `AlertPipeline.on_incident`."""

    def __init__(self, agent: Agent, notifier: Notifier | None = None, *, user: str = "opsgraph") -> None:
        self._agent = agent
        self._notifier = notifier or LogNotifier()
        self._user = user
        self._answered: dict[str, int] = {}  # incident id -> severity rank answered at
        self._lock = threading.Lock()

    def __call__(self, snapshot: Any) -> list[TurnResult]:
        rank = SEVERITY_RANK.get(snapshot.severity, 0)
        with self._lock:
            if not snapshot.prioritised or self._answered.get(snapshot.id, -1) >= rank:
                return []
            self._answered[snapshot.id] = rank
        thread = f"incident-{snapshot.id}"
        requests = [f"show incident {snapshot.id}"]
        if snapshot.actions:
            proposal = phrase_action(snapshot.actions[0])
            if proposal:
                requests.append(proposal)
        answers = []
        for text in requests:
            result = self._ask(text, thread)
            answers.append(result)
            self._notifier.post(thread, result)
        return answers

    def _ask(self, text: str, thread: str) -> TurnResult:
        from opsgraph.agent.service import AgentRequest

        request = AgentRequest(text=text, user=self._user, channel="alerts", thread_id=thread, source="alert")
        return self._agent.handle(request)


class BackgroundResponder:
    """Runs the responder on its own thread so the webhook acknowledges Alertmanager at once."""

    def __init__(self, respond: Callable[[Any], Any]) -> None:
        import queue

        self._respond = respond
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._run, name="incident-responder", daemon=True)
        self._thread.start()

    def __call__(self, snapshot: Any) -> None:
        import queue

        try:
            self._queue.put_nowait(snapshot)
        except queue.Full:
            log.error("incident responder is behind; not answering %s", snapshot.id)

    def _run(self) -> None:
        while True:
            snapshot = self._queue.get()
            try:
                self._respond(snapshot)
            except Exception:
                log.exception("answering incident %s failed", snapshot.id)
