"""Shared set-up for terminal channels: settings from the environment, the agent, the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opsgraph.channels.cli._output import die

if TYPE_CHECKING:
    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.agent.settings import Settings


def load_settings() -> Settings:
    from pydantic import ValidationError

    from opsgraph.agent.identity import IdentityRefused, cli_identity
    from opsgraph.agent.settings import Settings
    from opsgraph.core.settings import describe_error
    from opsgraph.guardrails.policy import PolicyError

    try:
        return cli_identity(Settings())
    except ValidationError as exc:
        die(describe_error(exc, Settings))
    except IdentityRefused as exc:
        die(str(exc))
    except PolicyError as exc:
        die(f"invalid policy: {exc}")


@contextmanager
def open_agent(settings: Settings | None = None) -> Iterator[Agent]:
    from opsgraph.agent.service import Agent
    from opsgraph.guardrails.policy import PolicyError

    try:
        agent = Agent(settings or load_settings())
    except PolicyError as exc:
        die(f"invalid policy: {exc}")
    try:
        yield agent
    finally:
        agent.close()


def request_for(agent: Agent, text: str, *, channel: str, thread_id: str | None) -> AgentRequest:
    from pydantic import ValidationError

    from opsgraph.agent.service import AgentRequest

    if not text.strip():
        die('the message is empty: say what you need, e.g. opsgraph ask "status of prod"')
    try:
        return AgentRequest(text=text.strip(), user=agent.settings.user, channel=channel, thread_id=thread_id)
    except ValidationError as exc:
        die(f"cannot send that message: {exc.errors()[0]['msg']}")


def start_demo(*, reset: bool) -> None:
    """Sandbox in a background thread of this process, then the REPL against it."""
    from opsgraph.agent.settings import Settings
    from opsgraph.channels.repl import run_repl
    from opsgraph.sandbox.runtime import ensure_running

    settings = load_settings()
    if settings.cluster != "sandbox":
        die("`opsgraph demo` runs against the sandbox; unset OPSGRAPH_CLUSTER or use `opsgraph chat`")
    if reset:
        from opsgraph.sandbox.runtime import reset_state

        reset_state(settings)
    kubeconfig = ensure_running(settings)
    print(f"sandbox cluster up (kubeconfig: {kubeconfig}); kubectl users: export KUBECONFIG={kubeconfig}")
    _seed_demo_models(settings)
    with open_agent(Settings(**{**settings.model_dump(), "cluster": "sandbox"})) as agent:
        run_repl(agent)


def _seed_demo_models(settings: Settings) -> None:
    """The demo's ML models (fraud-detector, churn-model) in the local MLflow store, seeded on a
    background thread: MLflow takes seconds to import and the REPL should not wait for it."""
    import logging
    import threading

    def seed() -> None:
        try:
            settings.ensure_state_dir()
            from opsgraph.tools.models.context import open_store
            from opsgraph.tools.models.demo import seed_demo

            seed_demo(open_store(settings), settings.state_dir / "models" / "demo-data")
        except Exception:  # the demo works without models; say why they are missing
            logging.getLogger(__name__).exception("seeding the demo models failed")

    threading.Thread(target=seed, name="seed-demo-models", daemon=True).start()
