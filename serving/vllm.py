"""`vllm serve` for a quantized instruct model with tool calling, built from `LLMSettings`.

The command is built as data (`serve_command`), printed exactly, then run; `wait_healthy` polls
vLLM's `GET /health` until the engine answers. Without vllm (the `gpu` extra) or a GPU the user
gets one line saying which is missing and how to get it, before anything starts.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from opsgraph.serving.settings import LLMSettings

# Model family -> vLLM tool call parser (vLLM's tool calling docs). Matched on the lower-cased
# model id, most specific first.
TOOL_PARSERS: tuple[tuple[str, str], ...] = (
    ("qwen3-coder", "qwen3_coder"),
    ("qwen", "hermes"),
    ("hermes", "hermes"),
    ("llama-4", "llama4_pythonic"),
    ("llama4", "llama4_pythonic"),
    ("llama-3", "llama3_json"),
    ("llama3", "llama3_json"),
    ("mistral", "mistral"),
    ("mixtral", "mistral"),
    ("granite-3", "granite"),
    ("granite", "granite"),
    ("internlm", "internlm"),
    ("jamba", "jamba"),
    ("xlam", "xlam"),
    ("phi-4-mini", "phi4_mini_json"),
    ("deepseek-v3", "deepseek_v3"),
    ("glm-4.5", "glm45"),
    ("kimi-k2", "kimi_k2"),
    ("gpt-oss", "openai"),
)


class ServeError(Exception):
    """What stops `llm serve` before or while it starts, said in one line with the fix."""


def tool_parser_for(model: str) -> str:
    lowered = model.lower()
    for family, parser in TOOL_PARSERS:
        if family in lowered:
            return parser
    raise ServeError(
        f"no tool call parser is known for {model!r}; set OPSGRAPH_LLM_TOOL_CALL_PARSER "
        "(one of vLLM's --tool-call-parser values)"
    )


@dataclass(frozen=True)
class ServeCommand:
    argv: tuple[str, ...]
    health_url: str
    served_name: str

    def shell(self) -> str:
        import shlex

        return " ".join(shlex.quote(a) for a in self.argv)


def serve_command(settings: LLMSettings, vllm: str = "vllm") -> ServeCommand:
    served = settings.served_model_name or settings.serve_model
    argv = [
        vllm,
        "serve",
        settings.serve_model,
        "--served-model-name",
        served,
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        settings.tool_call_parser or tool_parser_for(settings.serve_model),
        "--max-model-len",
        str(settings.max_model_len),
        "--gpu-memory-utilization",
        str(settings.gpu_memory_utilization),
        "--tensor-parallel-size",
        str(settings.tensor_parallel_size),
    ]
    if settings.quantization:
        argv += ["--quantization", settings.quantization]
    argv += settings.extra_args
    return ServeCommand(tuple(argv), f"http://{_connect_host(settings.host)}:{settings.port}/health", served)


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def preflight(tensor_parallel_size: int, count_gpus: Callable[[], int] | None = None) -> str:
    """The vllm executable; ServeError when vllm or enough GPUs are missing."""
    executable = shutil.which("vllm")
    if executable is None and importlib.util.find_spec("vllm") is None:
        raise ServeError("vllm is not installed: pip install 'opsgraph[gpu]' on a machine with an NVIDIA GPU")
    gpus = (count_gpus or visible_gpus)()
    if gpus == 0:
        raise ServeError("no GPU is visible (nvidia-smi finds none): vLLM needs a CUDA GPU to serve the model")
    if gpus < tensor_parallel_size:
        raise ServeError(
            f"tensor parallel size {tensor_parallel_size} needs {tensor_parallel_size} GPUs, {gpus} visible; "
            "lower OPSGRAPH_LLM_TENSOR_PARALLEL_SIZE"
        )
    return executable or "vllm"


def visible_gpus() -> int:
    """GPUs nvidia-smi lists (0 without the driver)."""
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))


def wait_healthy(
    url: str,
    timeout_s: float,
    alive: Callable[[], bool] = lambda: True,
    every_s: float = 1.0,
    server: str = "vllm",
) -> float:
    """Seconds until `GET url` answered 200; ServeError on timeout or when `alive()` turns False."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if not alive():
            raise ServeError(f"{server} exited before it was healthy (its log is above)")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(every_s)
    raise ServeError(f"{server} did not answer {url} within {timeout_s:.0f}s")
