"""The vLLM container's command in the manifests is the one `opsgraph llm serve` runs, listening on
every interface of the pod (the Service and the readiness probe reach it there)."""

from __future__ import annotations

from opsgraph.serving.settings import LLMSettings
from opsgraph.serving.vllm import serve_command

POD_HOST = "0.0.0.0"
HEALTH_PATH = "/health"


def container_command(settings: LLMSettings) -> tuple[list[str], list[str]]:
    """(command, args) for a container: `vllm serve` then everything `opsgraph llm serve` passes."""
    argv = list(serve_command(settings.model_copy(update={"host": POD_HOST})).argv)
    return argv[:2], argv[2:]
