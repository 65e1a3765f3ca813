"""The LLM behind the Brain protocol. Bad tool arguments go back to the model once with the
validation error; an unreachable server hands the turn to the deterministic planner."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from langchain_core.messages import AIMessage

from opsgraph.agent.brain import BrainInput, BrainOutput
from opsgraph.agent.llm.client import ChatClient, ChatReply, LLMUnavailable, parse_arguments
from opsgraph.agent.llm.prompt import to_openai, tool_schemas
from opsgraph.tools.registry import Registry, explain_validation

log = logging.getLogger(__name__)

MAX_REPAIRS = 1


class LLMBrain:
    name = "llm"

    def __init__(self, client: ChatClient, registry: Registry, fallback: Any) -> None:
        self._client = client
        self._registry = registry
        self._fallback = fallback
        self.tokens = {"prompt": 0, "completion": 0}

    def plan(self, request: BrainInput) -> BrainOutput:
        messages = to_openai(request.history)
        tools = tool_schemas(self._registry)  # schemas plus the guidance of the versioned prompt file
        try:
            reply = self._ask(messages, tools)
            for _ in range(MAX_REPAIRS):
                problems = self._problems(reply)
                if not problems:
                    break
                messages = messages + _repair_turn(reply, problems)
                reply = self._ask(messages, tools)
        except LLMUnavailable as exc:
            log.warning("LLM unavailable, using the deterministic planner: %s", exc)
            out: BrainOutput = self._fallback.plan(request)
            note = "The model is unavailable; the deterministic planner answered."
            return replace(out, extra={**out.extra, "fallback": str(exc), "model_problem": "unavailable", "note": note})
        calls: list[dict[str, Any]] = []
        problems = self._problems(reply)
        if problems:
            text = "I could not form a valid request: " + "; ".join(problems.values())
            return BrainOutput(AIMessage(text), "unknown", 0.0, extra={"model_problem": "invalid_tool_calls"})
        for call in reply.tool_calls:
            calls.append(
                {
                    "name": call.name,
                    "args": parse_arguments(call.arguments),
                    "id": call.id,
                    "type": "tool_call",
                }
            )
        intent = str(calls[0]["name"]) if calls else "chat"
        target = None
        if calls and {"name", "namespace"} <= set(calls[0]["args"]):
            target = (str(calls[0]["args"]["namespace"]), str(calls[0]["args"]["name"]))
        message = AIMessage(reply.content, tool_calls=calls)
        # A model that called tools sees their results next step, and answers when it has seen enough.
        return BrainOutput(
            message, intent, 1.0 if calls else 0.5, None, target, {"brain": "llm"}, wants_more=bool(calls)
        )

    def _ask(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatReply:
        reply = self._client.complete(messages, tools)
        self.tokens["prompt"] += reply.prompt_tokens
        self.tokens["completion"] += reply.completion_tokens
        return reply

    def _problems(self, reply: ChatReply) -> dict[str, str]:
        """call id -> what is wrong with it (unknown tool, unparsable or invalid arguments)."""
        from pydantic import ValidationError

        problems: dict[str, str] = {}
        for call in reply.tool_calls:
            tool = self._registry.get(call.name)
            if tool is None:
                problems[call.id] = f"there is no tool {call.name!r}"
                continue
            try:
                tool.args_model.model_validate(parse_arguments(call.arguments))
            except ValidationError as exc:
                problems[call.id] = f"{call.name}: {explain_validation(exc)}"[:500]
            except ValueError as exc:
                problems[call.id] = f"{call.name}: arguments are not valid JSON ({exc})"
        return problems


def _repair_turn(reply: ChatReply, problems: dict[str, str]) -> list[dict[str, Any]]:
    """The model's faulty calls and, for each, a tool message saying what to fix."""
    assistant = {
        "role": "assistant",
        "content": reply.content or None,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in reply.tool_calls
        ],
    }
    errors = [
        {
            "role": "tool",
            "tool_call_id": c.id,
            "content": json.dumps({"error": problems.get(c.id, "not run: another call in this step was invalid")}),
        }
        for c in reply.tool_calls
    ]
    return [assistant, *errors]
