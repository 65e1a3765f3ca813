"""`opsgraph prompts test`: every prompt file's cases, as format checks against the local
OpenAI-compatible server (always) and as behaviour checks against a real model (when one is
configured). Plus the lock: a prompt changed without a version bump is a failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from opsgraph.agent.llm.prompts.files import PROMPTS_DIR, PromptCase, PromptFile, check_lock, read_all

Mode = Literal["format", "model"]
TOOL_PROMPT = "tools"
SYSTEM_PROMPT = "system"


@dataclass
class CaseResult:
    prompt: str
    input: str
    mode: Mode
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "input": self.input, "mode": self.mode, "passed": self.passed,
                "problems": self.problems}  # fmt: skip


@dataclass
class PromptTestReport:
    lock_problems: list[str]
    results: list[CaseResult]
    model: str | None = None  # the endpoint behaviour checks ran against, if any

    def passed(self, mode: Mode) -> list[CaseResult]:
        return [r for r in self.results if r.mode == mode and r.passed]

    def of(self, mode: Mode) -> list[CaseResult]:
        return [r for r in self.results if r.mode == mode]

    @property
    def ok(self) -> bool:
        return not self.lock_problems and all(r.passed for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "lock_problems": self.lock_problems,
            "format": {"passed": len(self.passed("format")), "total": len(self.of("format"))},
            "model": {"endpoint": self.model, "passed": len(self.passed("model")), "total": len(self.of("model"))},
            "cases": [r.to_json() for r in self.results],
        }


def run(
    directory: Path = PROMPTS_DIR, *, base_url: str | None = None, model: str | None = None, api_key: str = "EMPTY"
) -> PromptTestReport:
    from opsgraph.agent.llm.client import ChatClient
    from opsgraph.agent.llm.prompts.format_server import FormatServer
    from opsgraph.tools.registry import load_builtin_tools

    files = read_all(directory)
    registry = load_builtin_tools()
    system, tools = _compose(files, registry)
    settings = files[SYSTEM_PROMPT].model
    cases = [(name, case) for name, prompt in files.items() for case in prompt.tests]
    results: list[CaseResult] = []
    with FormatServer("opsgraph-format-check", settings.context_tokens) as server:
        client = ChatClient(server.base_url, server.model, timeout_s=10)
        try:
            for name, case in cases:
                results.append(_format_case(name, case, registry, system, tools, client, server))
        finally:
            client.close()
    if base_url:
        live = ChatClient(base_url, model or "default", api_key=api_key)
        try:
            results += [_model_case(name, case, system, tools, live) for name, case in cases]
        finally:
            live.close()
    return PromptTestReport(check_lock(directory), results, base_url)


def _compose(files: dict[str, PromptFile], registry: Any) -> tuple[str, list[dict[str, Any]]]:
    from opsgraph.agent.llm.prompt import tool_schemas

    system = files[SYSTEM_PROMPT].system_prompt or ""
    guidance = files[TOOL_PROMPT].tools if TOOL_PROMPT in files else {}
    return system, tool_schemas(registry, guidance=guidance)


def _messages(system: str, case: PromptCase) -> list[dict[str, Any]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": case.input}]


def _static_problems(case: PromptCase, registry: Any) -> list[str]:
    """The case itself must make sense against the tools that exist."""
    from pydantic import ValidationError

    problems = []
    for name in [case.expected_tool, *case.forbidden_tools]:
        if name is not None and registry.get(name) is None:
            problems.append(f"tool {name!r} does not exist")
    tool = registry.get(case.expected_tool) if case.expected_tool else None
    if tool is not None:
        fields = tool.args_model.model_fields
        unknown = [k for k in case.expected_args if k not in fields]
        if unknown:
            problems.append(f"{tool.name} has no argument {', '.join(unknown)}")
        required = {k for k, f in fields.items() if f.is_required()}
        if not unknown and required <= set(case.expected_args):
            try:
                tool.args_model.model_validate(case.expected_args)
            except ValidationError as exc:
                problems.append(f"expected_args do not validate: {exc.errors()[0]['msg']}")
    if case.expected_tool is None and case.expected_args:
        problems.append("expected_args without an expected_tool")
    return problems


def _format_case(
    prompt: str, case: PromptCase, registry: Any, system: str, tools: list[dict[str, Any]], client: Any, server: Any
) -> CaseResult:
    from opsgraph.agent.llm.client import LLMUnavailable, parse_arguments

    result = CaseResult(prompt, case.input, "format", _static_problems(case, registry))
    if case.expected_tool:
        server.next_reply = {"content": None, "tool_calls": [{"name": case.expected_tool,
                                                                "arguments": case.expected_args}]}  # fmt: skip
    else:
        server.next_reply = {"content": "Which namespace do you mean?", "tool_calls": []}
    try:
        reply = client.complete(_messages(system, case), tools)
    except LLMUnavailable as exc:
        result.problems.append(f"the request was rejected: {exc}")
        return result
    got = [c.name for c in reply.tool_calls]
    if got != ([case.expected_tool] if case.expected_tool else []):
        result.problems.append(f"round trip lost the tool call: {got}")
    for call in reply.tool_calls:
        try:
            if parse_arguments(call.arguments) != case.expected_args:
                result.problems.append("round trip changed the arguments")
        except ValueError as exc:
            result.problems.append(f"arguments did not survive the round trip: {exc}")
    return result


def _model_case(prompt: str, case: PromptCase, system: str, tools: list[dict[str, Any]], client: Any) -> CaseResult:
    """What a real model does with the prompt: the expected tool and arguments, the content rules."""
    from opsgraph.agent.llm.client import LLMUnavailable, parse_arguments

    result = CaseResult(prompt, case.input, "model")
    try:
        reply = client.complete(_messages(system, case), tools)
    except LLMUnavailable as exc:
        result.problems.append(str(exc))
        return result
    names = [c.name for c in reply.tool_calls]
    if case.expected_tool is None and names:
        result.problems.append(f"called {names} instead of answering")
    if case.expected_tool is not None:
        if case.expected_tool not in names:
            result.problems.append(f"expected a {case.expected_tool} call, got {names or 'none'}")
        else:
            call = next(c for c in reply.tool_calls if c.name == case.expected_tool)
            try:
                args = parse_arguments(call.arguments)
            except ValueError as exc:
                args = {}
                result.problems.append(f"unparsable arguments: {exc}")
            wrong = {k: args.get(k) for k, v in case.expected_args.items() if args.get(k) != v}
            if wrong:
                result.problems.append(f"arguments differ: got {wrong}, expected {case.expected_args}")
    forbidden = [n for n in names if n in case.forbidden_tools]
    if forbidden:
        result.problems.append(f"called forbidden tools {forbidden}")
    text = reply.content or ""
    result.problems += [f"reply lacks {s!r}" for s in case.expected_content if s.lower() not in text.lower()]
    result.problems += [f"reply contains {s!r}" for s in case.forbidden_content if s.lower() in text.lower()]
    return result
