"""What the gateway may cache, and what a request tells it: injection, writes, the cache key.

Tools are read-only when opsgraph's registry says so; a tool the registry does not know is
read-only only if its name says it reads (get/list/show/status/search/describe/logs/query) and
nothing in it says it writes. Anything else counts as a write: never cached, and a conversation
that contains one is never answered from the cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

_READ_NAME = re.compile(r"(^|_)(get|list|show|status|search|describe|logs?|query|read|find|help)(_|$)")
_WRITE_NAME = re.compile(
    r"(^|_)(create|delete|update|apply|deploy|scale|restart|rollback|promote|retrain|patch|set|write|exec|run|"
    r"approve|cordon|drain|evict|rebalance|generate)(_|$)"
)


@dataclass(frozen=True)
class RequestVerdict:
    injection: str | None = None  # why the request is refused
    cache_question: str | None = None  # the question to look up, when the answer may come from the cache
    context: str = ""
    invalidate: tuple[str, ...] | None = None  # namespaces a write touched (empty: all), None: nothing


@dataclass
class Cacheability:
    read_tools: frozenset[str]
    write_tools: frozenset[str]
    seen_writes: set[str] = field(default_factory=set)  # tool call ids already invalidated for
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_registry(cls) -> Cacheability:
        from opsgraph.tools.registry import load_builtin_tools

        tools = list(load_builtin_tools())
        return cls(
            frozenset(t.name for t in tools if t.risk == "read"),
            frozenset(t.name for t in tools if t.risk != "read"),
        )

    def is_read(self, tool: str) -> bool:
        if tool in self.read_tools:
            return True
        if tool in self.write_tools:
            return False
        name = tool.lower()
        return bool(_READ_NAME.search(name)) and not _WRITE_NAME.search(name)

    def inspect(self, body: dict[str, Any], scan: bool = True) -> RequestVerdict:
        messages: list[dict[str, Any]] = [m for m in body["messages"] if isinstance(m, dict)]
        flagged = False
        if scan:
            from opsgraph.guardrails.injection import scan as scan_text
            from opsgraph.guardrails.injection import scan_untrusted

            for m in messages:
                text = _text(m.get("content"))
                if not text:
                    continue
                if m.get("role") == "user":
                    verdict = scan_text(text)
                    if verdict.injection:
                        reasons = ", ".join(verdict.reasons[:3])
                        return RequestVerdict(injection=f"the message looks like a prompt injection ({reasons})")
                elif m.get("role") == "tool" and scan_untrusted(text, "tool").injection:
                    flagged = True
        writes = self._writes(messages)
        invalidate = self._new_write_namespaces(writes)
        question = _text(messages[-1].get("content")) if messages and messages[-1].get("role") == "user" else ""
        cacheable = (
            bool(question)
            and not flagged
            and not writes
            and int(body.get("n") or 1) == 1
            and float(body.get("temperature") or 0.0) <= 0.2
            and body.get("tool_choice") in (None, "auto", "none")
        )
        context = _context_key(body, messages[:-1]) if cacheable else ""
        return RequestVerdict(None, question if cacheable else None, context, invalidate)

    def answer_cacheable(self, payload: dict[str, Any]) -> bool:
        try:
            choice = payload["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            return False
        if len(payload["choices"]) != 1 or choice.get("finish_reason") not in ("stop", "tool_calls"):
            return False
        calls = message.get("tool_calls") or []
        if not calls and not message.get("content"):
            return False
        return all(self.is_read(str((c.get("function") or {}).get("name"))) for c in calls)

    def _writes(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for m in messages:
            for call in m.get("tool_calls") or []:
                function = call.get("function") or {}
                if not self.is_read(str(function.get("name"))):
                    found.append(call)
        return found

    def _new_write_namespaces(self, writes: list[dict[str, Any]]) -> tuple[str, ...] | None:
        namespaces: set[str] = set()
        anywhere = False
        with self._lock:
            fresh = [w for w in writes if str(w.get("id")) not in self.seen_writes]
            self.seen_writes |= {str(w.get("id")) for w in fresh}
        if not fresh:
            return None
        for call in fresh:
            try:
                args = json.loads((call.get("function") or {}).get("arguments") or "{}")
            except ValueError:
                args = {}
            namespace = args.get("namespace") if isinstance(args, dict) else None
            if namespace:
                namespaces.add(str(namespace))
            else:
                anywhere = True
        return () if anywhere else tuple(sorted(namespaces))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _context_key(body: dict[str, Any], before: list[dict[str, Any]]) -> str:
    tools = sorted(str((t.get("function") or {}).get("name")) for t in body.get("tools") or [] if isinstance(t, dict))
    material = json.dumps(
        {"model": body.get("model"), "tools": tools, "before": before, "max_tokens": body.get("max_tokens")},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]
