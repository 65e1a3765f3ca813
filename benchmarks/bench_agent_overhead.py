"""The agent's own cost per turn, without a model: planner + graph (guards, policy, audit,
checkpoint) + a read tool on the sandbox, over 1,000 turns of one conversation.

    .venv/bin/python benchmarks/bench_agent_overhead.py [--turns 1000]

Named baseline: the same read tool called directly through the registry (no planner, no graph,
no audit) on the same sandbox; the difference is what the agent adds. The sandbox runs in its own
process (`opsgraph sandbox`), as an API server would, so it does not compete for this one's GIL.
Targets: a whole turn p50 < 20 ms and p99 < 100 ms; the agent's own share of a single-step turn
< 2 ms over the bare tool call (issue 11).

Second part, the investigation loop: a scripted brain (no model, no planner: it answers instantly)
makes five reads in five steps, then answers. Baseline: the same five tool calls through the
registry. Target: the whole 5-step turn p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _stats import summary_ms, write_results

MESSAGES = [
    "status of checkout in prod",
    "how is payments doing in production?",
    "is cart healthy in staging",
    "what's running in ml",
    "status of the search api in prod",
]


@contextmanager
def sandbox_process(state_dir: Path) -> Iterator[Path]:
    """`opsgraph sandbox` in a child process; yields its kubeconfig once it answers."""
    env = {**os.environ, "OPSGRAPH_STATE_DIR": str(state_dir)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "opsgraph"), "sandbox", "--reset"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kubeconfig = state_dir / "sandbox" / "kubeconfig"
    record = state_dir / "sandbox" / "server.json"
    try:
        deadline = time.monotonic() + 60
        while not (kubeconfig.exists() and record.exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.1)
        yield kubeconfig
    finally:
        proc.terminate()
        proc.wait(timeout=30)


FIVE_STEPS = [
    ("k8s_status", {"namespace": "prod", "name": "checkout"}),
    ("k8s_logs", {"namespace": "prod", "name": "checkout", "tail": 20}),
    ("k8s_status", {"namespace": "prod", "name": "payments"}),
    ("k8s_logs", {"namespace": "prod", "name": "payments", "tail": 20}),
    ("k8s_status", {"namespace": "prod"}),
]


class ScriptedBrain:
    """Five reads, one per step, then an answer: the loop's cost without any brain's."""

    name = "scripted"

    def plan(self, request: object) -> object:
        from langchain_core.messages import AIMessage

        from opsgraph.agent.brain import BrainOutput

        step = request.step  # type: ignore[attr-defined]
        if step >= len(FIVE_STEPS):
            return BrainOutput(AIMessage("checkout looks healthy."), "investigate", 1.0)
        name, args = FIVE_STEPS[step]
        call = {"name": name, "args": args, "id": f"call_{step}", "type": "tool_call"}
        return BrainOutput(AIMessage("", tool_calls=[call]), "investigate", 1.0, wants_more=True)


def investigation(settings: object, kubeconfig: Path, turns: int) -> tuple[list[float], list[float]]:
    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.k8s._client import ClusterClient
    from opsgraph.tools.registry import load_builtin_tools

    agent = Agent(settings, brain=ScriptedBrain())  # type: ignore[arg-type]
    for i in range(10):
        agent.handle(AgentRequest(text="why is checkout slow?", user="bench", thread_id=f"w{i}"))
    loop = []
    for i in range(turns):
        started = time.perf_counter()
        result = agent.handle(AgentRequest(text="why is checkout slow?", user="bench", thread_id=f"i{i % 50}"))
        loop.append(time.perf_counter() - started)
        assert result.steps == 5, result.reply
    agent.close()
    registry = load_builtin_tools()
    client = ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5)
    ctx = ToolContext(settings, actor="bench", cluster_factory=lambda: client)  # type: ignore[arg-type]
    bare = []
    for _ in range(turns):
        started = time.perf_counter()
        for name, args in FIVE_STEPS:
            registry.call(name, args, ctx)
        bare.append(time.perf_counter() - started)
    return loop, bare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1000)
    turns = parser.parse_args().turns
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.k8s._client import ClusterClient
    from opsgraph.tools.registry import load_builtin_tools

    tmp = Path(tempfile.mkdtemp(prefix="opsgraph-bench-"))
    with sandbox_process(tmp / "sandbox-state") as kubeconfig:
        settings = Settings(state_dir=tmp / "state", cluster="kubeconfig", kubeconfig=kubeconfig)
        agent = Agent(settings)
        messages = itertools.cycle(MESSAGES)
        for _ in range(20):  # warm-up: planner model, imports, connection pool
            agent.handle(AgentRequest(text=next(messages), user="bench", thread_id="bench"))
        samples = []
        for _ in range(turns):
            started = time.perf_counter()
            result = agent.handle(AgentRequest(text=next(messages), user="bench", thread_id="bench"))
            samples.append(time.perf_counter() - started)
            assert result.status == "done", result.reply
        agent.close()

        registry = load_builtin_tools()
        client = ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5)
        ctx = ToolContext(settings, actor="bench", cluster_factory=lambda: client)
        args = [
            {"namespace": "prod", "name": "checkout"},
            {"namespace": "prod", "name": "payments"},
            {"namespace": "staging", "name": "cart"},
            {"namespace": "ml"},
            {"namespace": "prod", "name": "search-api"},
        ]
        baseline = []
        for a in itertools.islice(itertools.cycle(args), turns):
            started = time.perf_counter()
            registry.call("k8s_status", a, ctx)
            baseline.append(time.perf_counter() - started)

        loop, bare = investigation(settings, kubeconfig, max(50, turns // 5))

    turn, tool = summary_ms(samples), summary_ms(baseline)
    five, five_bare = summary_ms(loop), summary_ms(bare)
    print(f"{'':<34} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    print(
        f"{'agent turn (planner+graph+tool)':<34} {turn['p50_ms']:>8.2f} {turn['p99_ms']:>8.2f} {turn['mean_ms']:>8.2f}"
    )
    print(
        f"{'baseline: tool via registry only':<34} {tool['p50_ms']:>8.2f} {tool['p99_ms']:>8.2f} "
        f"{tool['mean_ms']:>8.2f}"
    )
    added = turn["p50_ms"] - tool["p50_ms"]
    print(f"\nagent adds {added:.2f} ms at p50 ({turn['p50_ms'] / tool['p50_ms']:.2f}x the bare tool call)")
    print(
        f"targets: turn p50 < 20 ms {'met' if turn['p50_ms'] < 20 else 'MISSED'}, "
        f"p99 < 100 ms {'met' if turn['p99_ms'] < 100 else 'MISSED'}"
    )
    print(
        f"\n{'5-step investigation (scripted brain)':<40} p50 {five['p50_ms']:>7.2f} ms  p99 {five['p99_ms']:>7.2f} ms"
    )
    print(f"{'baseline: the same 5 calls via registry':<40} p50 {five_bare['p50_ms']:>7.2f} ms")
    loop_added = five["p50_ms"] - five_bare["p50_ms"]
    print(
        f"loop adds {loop_added:.2f} ms at p50 ({loop_added / 5:.2f} ms per step, "
        f"{five['p50_ms'] / five_bare['p50_ms']:.2f}x the bare calls); "
        f"target p50 < 50 ms {'met' if five['p50_ms'] < 50 else 'MISSED'}"
    )
    write_results(
        "agent_overhead",
        {
            "turns": turns,
            "turn": turn,
            "tool_only": tool,
            "agent_added_p50_ms": round(added, 3),
            "investigation_5_steps": five,
            "investigation_bare_calls": five_bare,
            "loop_added_p50_ms": round(loop_added, 3),
        },
    )


if __name__ == "__main__":
    main()
