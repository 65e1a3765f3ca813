"""Builds the model client and the router brain from the settings (used by agent.service)."""

from __future__ import annotations

from typing import Any

from opsgraph.agent.settings import Settings
from opsgraph.serving.settings import LLMSettings


def chat_client(settings: Settings, llm: LLMSettings | None = None) -> Any:
    from opsgraph.agent.llm.client import ChatClient, CircuitBreaker, RetryPolicy
    from opsgraph.agent.llm.prompt import model_settings

    llm = llm or LLMSettings()
    return ChatClient(
        settings.llm_base_url,
        settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=llm.timeout_s,
        connect_timeout_s=llm.connect_timeout_s,
        retry=RetryPolicy(attempts=llm.retries + 1, deadline_s=llm.deadline_s),
        breaker=CircuitBreaker(llm.breaker_failures, llm.breaker_open_s),
        max_tokens=model_settings().max_tokens,  # from the versioned prompt file
    )


def router_brain(settings: Settings, planner: Any, model: Any, registry: Any, llm: LLMSettings | None = None) -> Any:
    from opsgraph.agent.llm.router import DEFAULT_CONFIDENCE, RouterBrain
    from opsgraph.serving.accounting import Prices, TokenLedger

    llm = llm or LLMSettings()
    settings.ensure_state_dir()
    return RouterBrain(
        planner,
        model,
        confidence=DEFAULT_CONFIDENCE if llm.router_confidence is None else llm.router_confidence,
        registry=registry,
        ledger=TokenLedger(settings.database_for(settings.state_dir / "llm_usage.sqlite")),
        prices=Prices(llm.usd_per_mtok_prompt, llm.usd_per_mtok_completion),
        model_name=settings.llm_model,
    )
