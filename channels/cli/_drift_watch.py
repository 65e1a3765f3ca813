"""The `opsgraph drift watch` loop: builds the watcher (registry, alert sink, proposals through
the agent so they wait for approval), stops cleanly on SIGTERM/SIGINT, prints each pass."""

from __future__ import annotations

import json
import signal
import threading
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.models.watch import Outcome


class AgentProposer:
    """Files a proposed call as an alert-sourced turn: the policy never lets such a write run
    without a person's approval, so the turn ends with a pending approval (or a refusal)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._agent: Agent | None = None

    def propose(self, tool: str, args: dict[str, Any], text: str, thread: str) -> str | None:
        from opsgraph.agent.service import Agent, AgentRequest, ProposedCall

        if self._agent is None:
            self._agent = Agent(self._settings)
        request = AgentRequest(text=text, user="opsgraph-drift-watch", channel="alerts", thread_id=thread,
                               source="alert", proposal=ProposedCall(tool=tool, args=args))  # fmt: skip
        result = self._agent.handle(request)
        return result.approvals[0].id if result.approvals else None


def run_watch(*, once: bool, interval: float | None, models: list[str], propose: bool, as_json: bool) -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.models.context import open_store
    from opsgraph.tools.models.settings import ModelsSettings
    from opsgraph.tools.models.watch import Watcher, WatchState, watch
    from opsgraph.tools.models.watch_sinks import StoreSink, WebhookSink

    settings = Settings()
    settings.ensure_state_dir()
    config = ModelsSettings()
    if models:
        config = config.model_copy(update={"watch_models": models})
    sink = WebhookSink(config.watch_webhook_url) if config.watch_webhook_url else StoreSink(settings)
    watcher = Watcher(
        open_store(settings, config), config, WatchState(settings.state_dir / "models" / "watch-state.json"),
        report_dir=settings.state_dir / "models" / "reports", sink=sink,
        proposer=AgentProposer(settings) if propose else None,
    )  # fmt: skip

    def show(outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if as_json:
                typer.echo(json.dumps(outcome.to_json(), default=str), nl=True)
            else:
                typer.echo(_line(outcome))

    stop = threading.Event()
    if once:
        show(watcher.run_once(stop))
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    every = interval or config.watch_interval_s
    typer.echo(f"watching {', '.join(watcher.models()) or 'no models'} every {every:g} s", err=True)
    watch(watcher, every, stop, show)
    typer.echo("drift watch stopped", err=True)


def _line(outcome: Outcome) -> str:
    parts = [f"{outcome.model}: {outcome.status}"]
    if outcome.dataset_drift is not None:
        parts.append("dataset drift" if outcome.dataset_drift else "no drift")
    if outcome.alert:
        parts.append(f"alert {outcome.alert}")
    if outcome.proposal:
        parts.append(f"proposed {outcome.proposal['tool']} {json.dumps(outcome.proposal['args'])}")
    if outcome.approval_id:
        parts.append(f"awaiting approval {outcome.approval_id}")
    if outcome.detail:
        parts.append(outcome.detail)
    return "; ".join(parts)
