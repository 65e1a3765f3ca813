"""`opsgraph llm serve` builds the exact vllm command from settings and refuses clearly without
vllm or a GPU; `opsgraph llm check` tells a working tool-calling endpoint from one that answers
with text, and from one that is down."""

from __future__ import annotations

import json
from typing import Any

import pytest

from opsgraph.serving.settings import LLMSettings
from opsgraph.serving.vllm import ServeError, preflight, serve_command, tool_parser_for
from tests.support.cli import run_cli
from tests.support.fake_vllm import FakeVLLM, say, tool_call


def test_default_command_serves_the_awq_qwen_with_hermes_tool_calls() -> None:
    argv = serve_command(LLMSettings()).argv
    assert argv[:3] == ("vllm", "serve", "Qwen/Qwen2.5-7B-Instruct-AWQ")

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert "--enable-auto-tool-choice" in argv
    assert value("--tool-call-parser") == "hermes"
    assert value("--quantization") == "awq_marlin"
    assert value("--max-model-len") == "16384"
    assert value("--gpu-memory-utilization") == "0.9"
    assert value("--tensor-parallel-size") == "1"
    assert value("--served-model-name") == "Qwen/Qwen2.5-7B-Instruct-AWQ"


@pytest.mark.parametrize(
    ("model", "parser"),
    [
        ("Qwen/Qwen2.5-7B-Instruct-AWQ", "hermes"),
        ("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "llama3_json"),
        ("TheBloke/Mistral-7B-Instruct-v0.2-AWQ", "mistral"),
        ("ibm-granite/granite-3.1-8b-instruct", "granite"),
        ("NousResearch/Hermes-3-Llama-3.1-8B", "hermes"),
    ],
)
def test_the_tool_parser_follows_the_model_family(model: str, parser: str) -> None:
    assert tool_parser_for(model) == parser


def test_an_unknown_family_asks_for_the_parser() -> None:
    with pytest.raises(ServeError, match="OPSGRAPH_LLM_TOOL_CALL_PARSER"):
        tool_parser_for("acme/secret-model-7b")


def test_settings_flow_into_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGRAPH_LLM_TENSOR_PARALLEL_SIZE", "2")
    monkeypatch.setenv("OPSGRAPH_LLM_SERVED_MODEL_NAME", "opsgraph-brain")
    monkeypatch.setenv("OPSGRAPH_LLM_EXTRA_ARGS", "--enforce-eager,--max-num-seqs=8")
    argv = serve_command(LLMSettings()).argv
    assert argv[argv.index("--tensor-parallel-size") + 1] == "2"
    assert argv[argv.index("--served-model-name") + 1] == "opsgraph-brain"
    assert argv[-2:] == ("--enforce-eager", "--max-num-seqs=8")


def test_no_gpu_and_too_few_gpus_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(ServeError, match="no GPU is visible"):
        preflight(1, count_gpus=lambda: 0)
    with pytest.raises(ServeError, match="needs 4 GPUs, 2 visible"):
        preflight(4, count_gpus=lambda: 2)


@pytest.mark.slow
def test_cli_prints_the_command_and_says_vllm_is_missing() -> None:
    dry = run_cli("llm", "serve", "--dry-run")
    assert dry.returncode == 0
    assert dry.stdout.startswith("vllm serve Qwen/Qwen2.5-7B-Instruct-AWQ ")
    assert "--tool-call-parser hermes" in dry.stdout
    real = run_cli("llm", "serve")
    assert real.returncode == 1
    assert real.stderr.strip().startswith("error: vllm is not installed") or "no GPU" in real.stderr
    assert "Traceback" not in real.stderr


@pytest.mark.llm
def test_check_passes_a_tool_calling_endpoint() -> None:
    from opsgraph.serving.check import PROBES, run_check

    turns = [tool_call(tool, {**args, **({"replicas": 4} if tool == "k8s_scale" else {})}) for _, tool, args in PROBES]
    with FakeVLLM(turns, token_delay_s=0.005) as fake:
        report = run_check(fake.base_url, fake.model).to_json()
    assert report["passed"] and report["tool_call_rate"] == 1.0
    assert report["first_token_p50_s"] > 0 and report["tokens_per_s"] > 0


@pytest.mark.llm
def test_check_fails_an_endpoint_answering_kubectl_text() -> None:
    from opsgraph.serving.check import PROBES, run_check

    with FakeVLLM([say("kubectl get deploy checkout -n prod")] * len(PROBES)) as fake:
        report = run_check(fake.base_url, fake.model).to_json()
    assert report["up"] and not report["passed"]
    assert "text instead of a tool call" in report["probes"][0]["problem"]


@pytest.mark.slow
def test_check_cli_reports_a_down_endpoint_with_exit_1(monkeypatch: Any) -> None:
    out = run_cli("llm", "check", "--url", "http://127.0.0.1:9/v1", "--json")
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert report["up"] is False and "cannot reach" in report["problem"]
