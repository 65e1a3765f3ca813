"""A small client for the OpenAI-compatible chat completions API that vLLM serves."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


class LLMUnavailable(Exception):
    """The model server could not be reached or failed; the caller falls back."""


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it (may be invalid)


@dataclass(frozen=True)
class ChatReply:
    content: str
    tool_calls: tuple[ToolCallRequest, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


class ChatClient:
    def __init__(self, base_url: str, model: str, *, api_key: str = "EMPTY", timeout_s: float = 60.0) -> None:
        self.model = model
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout_s, headers={"Authorization": f"Bearer {api_key}"}
        )

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatReply:
        body = {"model": self.model, "messages": messages, "temperature": 0.0, "max_tokens": 1024}
        if tools:
            body |= {"tools": tools, "tool_choice": "auto"}
        try:
            response = self._http.post("/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"cannot reach the model server at {self._http.base_url}: {exc}") from exc
        if response.status_code != 200:
            raise LLMUnavailable(f"model server answered {response.status_code}: {response.text[:200]}")
        try:
            payload = response.json()
            message = payload["choices"][0]["message"]
        except (ValueError, KeyError, IndexError) as exc:
            raise LLMUnavailable(f"model server sent an unreadable reply: {exc}") from exc
        calls = tuple(
            ToolCallRequest(
                id=str(c.get("id") or f"call_{i}"),
                name=str(c["function"]["name"]),
                arguments=c["function"].get("arguments") or "{}",
            )
            for i, c in enumerate(message.get("tool_calls") or [])
        )
        usage = payload.get("usage") or {}
        return ChatReply(
            content=message.get("content") or "",
            tool_calls=calls,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            raw=payload,
        )

    def close(self) -> None:
        self._http.close()


def parse_arguments(text: str) -> dict[str, Any]:
    """The model's JSON arguments; raises ValueError with what is wrong."""
    value = json.loads(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("arguments must be a JSON object")
    return value
