"""The model-serving settings section (`OPSGRAPH_LLM_*`): the vLLM launch, the client's timeouts,
retries and circuit breaker, the router, token prices, and the gateway.

The model server's address and model name stay in the agent's settings (`OPSGRAPH_LLM_BASE_URL`,
`OPSGRAPH_LLM_MODEL`): the agent and `opsgraph llm check` read the same ones.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from opsgraph.core.settings import SettingsSection


class LLMSettings(SettingsSection):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_LLM_", extra="ignore", frozen=True, enable_decoding=False)

    # `opsgraph llm serve` (vllm serve).
    serve_model: str = Field("Qwen/Qwen2.5-7B-Instruct-AWQ", description="model to serve (HF id or local path)")
    served_model_name: str | None = Field(None, description="name clients use (default: the model id)")
    quantization: str | None = Field(
        "awq_marlin", description="vLLM --quantization (awq_marlin, awq, gptq_marlin, fp8, ...); empty: none"
    )
    tool_call_parser: str | None = Field(None, description="vLLM --tool-call-parser (default: from the model family)")
    max_model_len: int = Field(16384, ge=512, description="context window vLLM reserves KV cache for")
    gpu_memory_utilization: float = Field(0.90, gt=0.05, le=1.0, description="share of GPU memory vLLM may use")
    tensor_parallel_size: int = Field(1, ge=1, le=64, description="GPUs one model is split across")
    host: str = Field("127.0.0.1", description="vLLM listen address")
    port: int = Field(8000, ge=1, le=65535, description="vLLM listen port")
    health_timeout_s: float = Field(900.0, gt=0, description="how long `llm serve` waits for /health")
    extra_args: list[str] = Field(default_factory=list, description="more `vllm serve` arguments, comma-separated")

    # The client (agent/llm/client.py).
    timeout_s: float = Field(20.0, gt=0, description="read timeout of one model call")
    connect_timeout_s: float = Field(2.0, gt=0, description="connect timeout")
    retries: int = Field(2, ge=0, le=10, description="retries after the first try (connection errors, 429, 5xx)")
    deadline_s: float = Field(45.0, gt=0, description="upper bound of one call with all its retries")
    breaker_failures: int = Field(3, ge=1, description="failed calls in a row that open the circuit")
    breaker_open_s: float = Field(30.0, gt=0, description="how long an open circuit skips the model")

    # The router (agent/llm/router.py); None: the value chosen on the tuning cases (router_tuning.json).
    router_confidence: float | None = Field(None, ge=0, le=1, description="planner confidence that skips the model")

    # Accounting: USD per 1M tokens (a local GPU's amortised cost; 0 = count tokens only).
    usd_per_mtok_prompt: float = Field(0.0, ge=0)
    usd_per_mtok_completion: float = Field(0.0, ge=0)

    # The gateway (`opsgraph gateway`).
    gateway_cache_dir: Path | None = Field(None, description="chromadb folder (default: <state_dir>/gateway-cache)")
    gateway_cache_ttl_s: float = Field(300.0, gt=0, description="how long a cached answer stays valid")
    gateway_cache_threshold: float | None = Field(None, ge=0, le=1, description="cosine similarity for a hit")
    gateway_rate_per_min: int = Field(120, ge=1, description="requests per minute per API key")
    gateway_tokens_per_day: int = Field(2_000_000, ge=1, description="token budget per API key per day")
    gateway_keys: list[str] = Field(default_factory=list, description="accepted API keys (empty: any key)")
    gateway_speculative: bool = Field(
        True, description="call the model server during the cache lookup; a hit cancels the call"
    )
