"""The chat client against a local server answering as vLLM does: tool calls parsed, retries on
what a retry can fix, never on a refused request, a circuit that stops calling a dead server, and
streaming that assembles the same reply with a first-token time."""

from __future__ import annotations

import time

import pytest

from opsgraph.agent.llm.client import ChatClient, CircuitBreaker, CircuitOpen, LLMUnavailable, RetryPolicy
from tests.support.fake_vllm import FakeVLLM, fail, hang_up, say, slow, tool_call

pytestmark = pytest.mark.llm
MESSAGES = [{"role": "user", "content": "status of checkout in prod"}]


def client(fake: FakeVLLM, **kw: object) -> ChatClient:
    kw.setdefault("retry", RetryPolicy(attempts=3, backoff_s=0.01))
    return ChatClient(fake.base_url, fake.model, sleep=lambda _: None, **kw)  # type: ignore[arg-type]


def test_tool_call_in_openai_format_is_parsed() -> None:
    with FakeVLLM([tool_call("k8s_status", {"name": "checkout", "namespace": "prod"})]) as fake:
        reply = client(fake).complete(MESSAGES, [])
    assert [c.name for c in reply.tool_calls] == ["k8s_status"]
    assert reply.tool_calls[0].arguments == '{"name": "checkout", "namespace": "prod"}'
    assert reply.completion_tokens > 0 and reply.prompt_tokens > 0


def test_a_500_is_retried_and_the_next_answer_used() -> None:
    with FakeVLLM([fail(500), fail(503), say("fine")]) as fake:
        reply = client(fake).complete(MESSAGES, [])
    assert reply.content == "fine" and len(fake.requests) == 3


def test_a_dropped_connection_is_retried() -> None:
    with FakeVLLM([hang_up(), say("back")]) as fake:
        assert client(fake).complete(MESSAGES, []).content == "back"


def test_a_refused_request_is_not_repeated() -> None:
    with FakeVLLM([say("never")], model="other-model") as fake:
        c = ChatClient(fake.base_url, "Qwen/Qwen2.5-7B-Instruct-AWQ", sleep=lambda _: None)
        with pytest.raises(LLMUnavailable, match="400"):
            c.complete(MESSAGES, [])
    assert fake.turns, "the scripted turn must not have been consumed"


def test_a_slow_server_times_out_within_the_deadline() -> None:
    with FakeVLLM([slow(3.0, say("late")), slow(3.0, say("late"))]) as fake:
        c = client(fake, timeout_s=0.3, retry=RetryPolicy(attempts=2, backoff_s=0.01))
        started = time.monotonic()
        with pytest.raises(LLMUnavailable, match="did not answer in time"):
            c.complete(MESSAGES, [])
    assert time.monotonic() - started < 2.0


def test_the_circuit_opens_after_repeated_failures_and_closes_after_a_good_trial() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures_to_open=2, open_s=30, clock=lambda: now[0])
    with FakeVLLM([fail(500), fail(500), say("recovered")]) as fake:
        c = client(fake, retry=RetryPolicy(attempts=1), breaker=breaker)
        for _ in range(2):
            with pytest.raises(LLMUnavailable):
                c.complete(MESSAGES, [])
        with pytest.raises(CircuitOpen, match="not calling it"):
            c.complete(MESSAGES, [])
        assert len(fake.requests) == 2, "an open circuit must not call the server"
        now[0] = 31.0
        assert c.complete(MESSAGES, []).content == "recovered"
    assert breaker.state == "closed"


def test_server_down_is_unavailable_quickly() -> None:
    c = ChatClient("http://127.0.0.1:9/v1", "m", retry=RetryPolicy(attempts=2, backoff_s=0.01), sleep=lambda _: None)
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        c.complete(MESSAGES, [])


def test_streaming_assembles_tool_calls_and_times_the_first_token() -> None:
    args = {"name": "cart", "namespace": "staging", "replicas": 4}
    with FakeVLLM([tool_call("k8s_scale", args)], token_delay_s=0.02) as fake:
        reply = client(fake).stream(MESSAGES, [])
    assert reply.tool_calls[0].name == "k8s_scale"
    import json

    assert json.loads(reply.tool_calls[0].arguments) == args
    assert reply.first_token_s is not None and 0 < reply.first_token_s < reply.latency_s
    assert reply.completion_tokens > 1
    assert fake.requests[0]["stream"] is True
