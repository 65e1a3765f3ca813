"""`opsgraph llm check`: is the model endpoint up, does it answer a fixed probe set with real tool
calls (OpenAI `tool_calls`, valid arguments, the expected tool), and how fast: time to the first
streamed token and generated tokens per second.

A server that answers a streamed request with an error, a cut stream or nothing, but a plain request
with an answer (llama-cpp-python's tool-calling handler cannot stream a tool call: it resets the
connection or sends an empty message) is judged on the plain answer, and the probe says it was not
streamed; the agent itself does not stream. A timeout is not retried plainly."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# The probe set: plain requests any tool-calling model must map to one tool call.
PROBES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("status of checkout in prod", "k8s_status", {"name": "checkout", "namespace": "prod"}),
    ("scale cart in staging to 4 replicas", "k8s_scale", {"name": "cart", "namespace": "staging", "replicas": 4}),
    ("which alerts are firing right now?", "alerts_list", {}),
    ("show the last 50 log lines of payments in prod", "k8s_logs", {"name": "payments", "namespace": "prod"}),
)


@dataclass
class ProbeResult:
    text: str
    expected: str
    got: list[dict[str, Any]] = field(default_factory=list)
    ok: bool = False
    problem: str | None = None
    first_token_s: float | None = None
    latency_s: float | None = None
    completion_tokens: int = 0
    tokens_per_s: float | None = None
    streamed: bool = True


@dataclass
class CheckReport:
    endpoint: str
    model: str
    up: bool
    problem: str | None = None
    probes: list[ProbeResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.up and bool(self.probes) and all(p.ok for p in self.probes)

    def to_json(self) -> dict[str, Any]:
        firsts = [p.first_token_s for p in self.probes if p.first_token_s is not None]
        rates = [p.tokens_per_s for p in self.probes if p.tokens_per_s is not None]
        return {
            "endpoint": self.endpoint,
            "model": self.model,
            "up": self.up,
            "problem": self.problem,
            "passed": self.passed,
            "tool_call_rate": round(sum(p.ok for p in self.probes) / len(self.probes), 3) if self.probes else 0.0,
            "first_token_p50_s": round(statistics.median(firsts), 4) if firsts else None,
            "tokens_per_s": round(statistics.median(rates), 1) if rates else None,
            "streamed_all": all(p.streamed for p in self.probes),
            "probes": [asdict(p) for p in self.probes],
        }


def run_check(base_url: str, model: str, *, api_key: str = "EMPTY", timeout_s: float = 60.0) -> CheckReport:
    import httpx

    from opsgraph.agent.llm.client import ChatClient, LLMUnavailable, RetryPolicy
    from opsgraph.tools.registry import load_builtin_tools

    report = CheckReport(endpoint=base_url, model=model, up=False)
    try:
        listed = httpx.get(
            base_url.rstrip("/") + "/models", timeout=5.0, headers={"Authorization": f"Bearer {api_key}"}
        )
    except httpx.HTTPError as exc:
        report.problem = f"cannot reach {base_url}: {exc}"
        return report
    if listed.status_code != 200:
        report.problem = f"{base_url}/models answered {listed.status_code}"
        return report
    names = [m.get("id") for m in (listed.json().get("data") or [])]
    if model not in names:
        report.problem = f"the server does not serve {model!r} (it serves {', '.join(map(str, names)) or 'nothing'})"
        return report
    report.up = True
    registry = load_builtin_tools()
    tools = [t.llm_schema() for t in registry]
    client = ChatClient(base_url, model, api_key=api_key, timeout_s=timeout_s, retry=RetryPolicy(attempts=1))
    try:
        for text, expected, must in PROBES:
            report.probes.append(_probe(client, registry, tools, text, expected, must, LLMUnavailable))
    finally:
        client.close()
    return report


def _probe(
    client: Any,
    registry: Any,
    tools: list[dict[str, Any]],
    text: str,
    expected: str,
    must: dict[str, Any],
    failure: Any,
) -> ProbeResult:
    from langchain_core.messages import HumanMessage
    from pydantic import ValidationError

    from opsgraph.agent.llm.client import parse_arguments
    from opsgraph.agent.llm.prompt import to_openai

    result = ProbeResult(text=text, expected=expected)
    messages = to_openai([HumanMessage(text)])
    started = time.perf_counter()
    broken: Exception | None = None
    try:
        reply = client.stream(messages, tools)
    except failure as exc:
        if "in time" in str(exc) or "failed repeatedly" in str(exc):
            result.problem = str(exc)
            return result
        broken = exc
    else:
        if not reply.tool_calls and not (reply.content or "").strip():
            broken = failure("the streamed answer was empty")
    if broken is not None:
        started = time.perf_counter()
        try:  # the server is up (it listed its models) but would not stream this answer: judge the plain one
            reply = client.complete(messages, tools)
        except failure as plain:
            result.problem = f"{broken}; the plain request failed too: {plain}"
            return result
        result.streamed = False
    result.latency_s = round(time.perf_counter() - started, 4)
    result.first_token_s = round(reply.first_token_s, 4) if reply.first_token_s is not None else None
    result.completion_tokens = reply.completion_tokens
    generating = result.latency_s - (reply.first_token_s or 0.0)
    if result.streamed and reply.completion_tokens > 1 and generating > 0:
        result.tokens_per_s = round((reply.completion_tokens - 1) / generating, 1)
    if not reply.tool_calls:
        result.problem = f"answered with text instead of a tool call: {reply.content[:120]!r}"
        return result
    call = reply.tool_calls[0]
    try:
        args = parse_arguments(call.arguments)
    except ValueError as exc:
        result.problem = f"arguments are not a JSON object: {exc}"
        return result
    result.got = [{"name": c.name, "arguments": c.arguments} for c in reply.tool_calls]
    tool = registry.get(call.name)
    if tool is None:
        result.problem = f"called a tool that does not exist: {call.name!r}"
        return result
    try:
        tool.args_model.model_validate(args)
    except ValidationError as exc:
        result.problem = f"invalid arguments for {call.name}: {exc.errors()[0]['msg']}"
        return result
    if call.name != expected:
        result.problem = f"called {call.name}, expected {expected}"
        return result
    wrong = {k: args.get(k) for k, v in must.items() if args.get(k) != v}
    if wrong:
        result.problem = f"wrong arguments {wrong}, expected {must}"
        return result
    result.ok = True
    return result
