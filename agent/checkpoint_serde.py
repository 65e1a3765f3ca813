"""LangGraph checkpoints pass the redactor before they are written.

A conversation's checkpoint holds what people typed, the plan, tool results and the pending
approvals. Everything a person or a tool could have put a secret into goes through
`guardrails.redaction` first (strings, dict values under sensitive keys, message contents and
tool-call arguments, interrupt values), so `checkpoints.sqlite` never holds a secret in the
clear. The cost: a secret typed into a request is not remembered by the conversation (an action
whose arguments carried one would no longer match its approval's hash, and is refused).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


class RedactingSerializer(JsonPlusSerializer):
    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return super().dumps_typed(scrub(obj))


def scrub(obj: Any) -> Any:
    from langchain_core.messages import BaseMessage

    from opsgraph.guardrails.redaction import redact, redact_data

    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return redact_data({key: scrub(value) for key, value in obj.items()})
    if isinstance(obj, list):
        return [scrub(item) for item in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(scrub(item) for item in obj)
    if isinstance(obj, BaseMessage):
        update: dict[str, Any] = {"content": scrub(obj.content), "additional_kwargs": scrub(obj.additional_kwargs)}
        if getattr(obj, "tool_calls", None):
            update["tool_calls"] = scrub(obj.tool_calls)  # type: ignore[attr-defined]
        return obj.model_copy(update=update)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type) and hasattr(obj, "value"):
        return dataclasses.replace(obj, value=scrub(obj.value))  # langgraph's Interrupt
    return obj
