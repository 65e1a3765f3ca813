"""The registry client and settings a models tool works with, built once per run context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsgraph.tools.models.settings import ModelsSettings, default_tracking_uri

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.models.store import ModelStore


def open_store(settings: Settings, models: ModelsSettings | None = None) -> ModelStore:
    from opsgraph.tools.models.store import ModelStore

    models = models or ModelsSettings()
    uri = models.tracking_uri or default_tracking_uri(settings.state_dir)
    return ModelStore(uri, cache_dir=settings.cache_dir / "model-data")


def models_settings(ctx: ToolContext) -> ModelsSettings:
    found = ctx.extras.get("models.settings")
    if not isinstance(found, ModelsSettings):
        found = ctx.extras["models.settings"] = ModelsSettings()
    return found


def store(ctx: ToolContext) -> ModelStore:
    found = ctx.extras.get("models.store")
    if found is None:
        found = ctx.extras["models.store"] = open_store(ctx.settings, models_settings(ctx))
    return found
