"""Answer incidents by itself: when correlation opens (or escalates) an incident, the agent shows
it in the incident's conversation and proposes the suggested fix, which always waits for a
person: the request is marked as coming from an alert, and policy never lets such a write run
alone. Where the answer goes (Slack channel, terminal, log) is the notifier's business.

Both requests are structured calls (`ProposedCall`): no alert text ever becomes words a brain
reads as an instruction, whichever brain is configured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent, ProposedCall, TurnResult

log = logging.getLogger(__name__)

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


class Notifier(Protocol):
    def post(self, thread: str, result: TurnResult) -> None: ...


class LogNotifier:
    """Writes the agent's answer to the log (the default when no chat channel is configured)."""

    def post(self, thread: str, result: TurnResult) -> None:
        log.warning("[%s] %s", thread, result.reply)


SCALE_UP_BY = 2  # the correlator suggests "more replicas"; the proposal names the number


def proposal_for(action: Any, inventory: Any | None = None) -> ProposedCall | None:
    """An incident's suggested fix as a concrete tool call, or None when it is not one (advice, a
    runbook lookup, a scale-up whose current size is unknown)."""
    from opsgraph.agent.service import ProposedCall

    args = dict(action.args or {})
    if not action.tool or action.tool == "runbook_search" or not args.get("name"):
        return None
    if action.tool == "k8s_scale" and "replicas" not in args:
        workload = inventory.get(args.get("namespace", ""), args["name"]) if inventory is not None else None
        if workload is None:
            return None
        args["replicas"] = workload.replicas + SCALE_UP_BY
    return ProposedCall(tool=action.tool, args=args)


def describe(call: ProposedCall) -> str:
    """ "k8s_restart prod/checkout" in words for a button or a label."""
    target = "/".join(str(call.args[k]) for k in ("namespace", "name") if k in call.args)
    extra = " ".join(f"{k}={v}" for k, v in call.args.items() if k not in ("namespace", "name"))
    verb = {"k8s_restart": "Restart", "k8s_rollback": "Roll back", "k8s_scale": "Scale"}.get(call.tool, call.tool)
    return " ".join(part for part in (verb, target, extra) if part)


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
        from opsgraph.agent.service import ProposedCall

        thread = f"incident-{snapshot.id}"
        requests = [(f"show incident {snapshot.id}", ProposedCall(tool="incident_show", args={"id": snapshot.id}))]
        if snapshot.actions:
            fix = proposal_for(snapshot.actions[0], self._inventory())
            if fix is not None:
                requests.append((f"suggested fix for incident {snapshot.id}: {describe(fix)}", fix))
        answers = []
        for text, call in requests:
            result = self._ask(text, call, thread)
            answers.append(result)
            self._notifier.post(thread, result)
        return answers

    def _inventory(self) -> Any | None:
        from opsgraph.tools.errors import ToolError

        try:
            return self._agent.context.inventory.get()
        except ToolError:
            return None

    def _ask(self, text: str, call: ProposedCall, thread: str) -> TurnResult:
        from opsgraph.agent.service import AgentRequest

        request = AgentRequest(
            text=text, user=self._user, channel="alerts", thread_id=thread, source="alert", proposal=call
        )
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
