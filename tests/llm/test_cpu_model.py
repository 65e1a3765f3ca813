"""A real quantized model on CPU (the `cpu-llm` extra): llama-cpp-python's OpenAI-compatible server
with SmolLM2-135M-Instruct Q4_1, started by the test on a free loopback port.

What a person would notice: the agent stays correct with it behind the router: a clear request
never waits for it, an open question reaches it, and whatever the small model answers, the turn
ends with a reply and the audit log says which brain answered. (`opsgraph llm check` against this
server does not work yet: after a tool-call stream fails the server resets the keep-alive
connection, and check's plain retry on the same client meets the reset.) Skipped without the extra, which builds
llama.cpp from source (36 min on 2 busy cores), so CI's default run does not install it."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsgraph.serving import cpu_llm
from opsgraph.serving.vllm import ServeError, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.llm]

CALL_TIMEOUT_S = "180"  # one model call on two shared cores, several times the ~5k-token prompt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cpu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        model = cpu_llm.bundled_gguf()
        cpu_llm.preflight()
    except ServeError as exc:
        pytest.skip(str(exc))
    command = cpu_llm.serve_command(model, port=_free_port())
    log = tmp_path_factory.mktemp("cpu-llm") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(command.argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(command.health_url, 120.0, alive=lambda: process.poll() is None, server="llama_cpp.server")
        yield command.health_url.removesuffix("/models")
    except ServeError as exc:
        pytest.fail(f"{exc}\n{log.read_text()[-3000:]}")
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def router_agent(cpu_server: str, cluster_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from opsgraph.agent.service import Agent

    monkeypatch.setenv("OPSGRAPH_LLM_TIMEOUT_S", CALL_TIMEOUT_S)
    monkeypatch.setenv("OPSGRAPH_LLM_DEADLINE_S", CALL_TIMEOUT_S)
    monkeypatch.setenv("OPSGRAPH_LLM_RETRIES", "0")
    settings = cluster_settings.model_copy(
        update={"brain": "router", "llm_base_url": cpu_server, "llm_model": cpu_llm.SERVED_NAME}
    )
    agent = Agent(settings)
    yield agent
    agent.close()


def _plans(audit_db: Path) -> list[dict[str, Any]]:
    import sqlite3

    db = sqlite3.connect(audit_db)
    rows = db.execute("SELECT data FROM audit WHERE event = 'plan' ORDER BY seq").fetchall()
    db.close()
    return [json.loads(r[0]) for r in rows]


def test_agent_turns_through_the_router(router_agent: Any) -> None:
    from opsgraph.agent.service import AgentRequest

    def ask(text: str) -> tuple[Any, float]:
        started = time.perf_counter()
        result = router_agent.handle(AgentRequest(text=text, user="alice", thread_id=f"cpu-{time.monotonic_ns()}"))
        return result, time.perf_counter() - started

    clear, clear_s = ask("status of checkout in prod")
    open_q, open_s = ask("why did payments restart three times tonight?")
    plans = _plans(router_agent.settings.audit_db)
    print(json.dumps({"clear": [clear.status, clear_s, clear.tool_calls, clear.reply[:300]],
                      "open": [open_q.status, open_s, open_q.tool_calls, open_q.reply[:300]],
                      "answered_by": [p.get("answered_by") for p in plans]}, indent=1, default=str))  # fmt: skip

    assert clear.status == "done" and "prod/checkout" in clear.reply
    assert plans[0]["answered_by"] == "planner", "a clear request must not wait for the model"
    assert open_q.status in ("done", "question", "needs_approval"), open_q.reply
    assert open_q.reply.strip()
    who = [str(p.get("answered_by")) for p in plans[1:]]
    assert who and all(w == "llm" or w.startswith("planner (the model failed") for w in who), who
