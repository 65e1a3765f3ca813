"""What the model sees: a system prompt, the conversation, and untrusted content only inside
delimited data blocks it is told never to take instructions from.

The system prompt, the model settings and each tool's model-facing guidance come from the
versioned YAML in agent/llm/prompts/ (see files.py there); `SYSTEM_PROMPT` stays importable.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from opsgraph.agent.llm.prompts.files import ModelSettings, shipped


def system_prompt() -> str:
    text = shipped("system").system_prompt
    if not text:
        raise RuntimeError("agent/llm/prompts/system.yaml has no system_prompt")
    return text


def model_settings() -> ModelSettings:
    """temperature, max_tokens, context budget from system.yaml."""
    return shipped("system").model


def tool_schemas(tools: Iterable[Any], *, guidance: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Each tool's OpenAI schema (from the registry), its description followed by the guidance in tools.yaml."""
    guidance = shipped("tools").tools if guidance is None else guidance
    schemas = []
    for tool in tools:
        schema = tool.llm_schema()
        extra = guidance.get(tool.name)
        if extra:
            function = dict(schema["function"])
            function["description"] = f"{function['description']} {extra}".strip()
            schema = {**schema, "function": function}
        schemas.append(schema)
    return schemas


def __getattr__(name: str) -> Any:
    if name == "SYSTEM_PROMPT":  # the constant this module used to define
        return system_prompt()
    raise AttributeError(name)


def data_block(source: str, text: str, nonce: str) -> str:
    """Wrap untrusted text; the nonce makes the closing marker unguessable for whoever wrote it."""
    cleaned = text.replace(f"</data {nonce}>", "</data-removed>")
    return f'<data {nonce} source="{source}" trust="untrusted">\n{cleaned}\n</data {nonce}>'


def to_openai(messages: list[Any], *, nonce: str | None = None) -> list[dict[str, Any]]:
    """LangChain messages -> OpenAI chat messages; tool output always inside a data block."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    nonce = nonce or secrets.token_hex(4)
    out: list[dict[str, Any]] = [{"role": "system", "content": system_prompt()}]
    for message in messages:
        if isinstance(message, SystemMessage):
            continue
        if isinstance(message, HumanMessage):
            if message.additional_kwargs.get("untrusted"):
                content = data_block("alert", str(message.content), nonce)
            else:
                content = str(message.content)
            out.append({"role": "user", "content": content})
        elif isinstance(message, ToolMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "content": data_block(message.name or "tool", str(message.content), nonce),
                }
            )
        elif isinstance(message, AIMessage):
            entry: dict[str, Any] = {"role": "assistant", "content": str(message.content) or None}
            if message.tool_calls:
                import json

                entry["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": json.dumps(c["args"])},
                    }
                    for c in message.tool_calls
                ]
            out.append(entry)
    return _drop_orphan_tool_messages(out)


def _drop_orphan_tool_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History is trimmed to a window; a tool reply whose call fell out of it would be rejected."""
    known: set[str] = set()
    kept = []
    for m in messages:
        if m["role"] == "assistant":
            known |= {c["id"] for c in m.get("tool_calls") or []}
        if m["role"] == "tool" and m["tool_call_id"] not in known:
            continue
        kept.append(m)
    return kept
