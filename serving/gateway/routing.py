"""Upstreams and routing by request complexity (the seed's ModelRouter, without a classifier).

`--upstream URL` once: everything goes there. `--upstream simple=URL --upstream complex=URL`:
short, single-turn requests with few tools go to `simple`; long conversations, open questions
(the router brain's cue words) and long prompts go to `complex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMPLEX_MESSAGES = 6
COMPLEX_CHARS = 4000


class UpstreamError(ValueError):
    pass


@dataclass(frozen=True)
class Upstream:
    name: str
    url: str  # base URL ending in /v1


def parse_upstreams(specs: list[str]) -> list[Upstream]:
    if not specs:
        raise UpstreamError("give at least one --upstream URL")
    out: list[Upstream] = []
    for i, spec in enumerate(specs):
        name, sep, url = spec.partition("=")
        if not sep:
            name, url = ("default" if i == 0 else f"upstream{i}"), spec
        if not url.startswith(("http://", "https://")):
            raise UpstreamError(f"--upstream {spec!r}: expected http(s)://HOST:PORT/v1 or NAME=URL")
        url = url.rstrip("/")
        out.append(Upstream(name, url if url.endswith("/v1") else url + "/v1"))
    if len({u.name for u in out}) != len(out):
        raise UpstreamError("two upstreams have the same name")
    return out


def complexity(body: dict[str, Any]) -> str:
    from opsgraph.agent.llm.router import open_question

    messages = body.get("messages") or []
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    last_user = next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")
    if len(messages) > COMPLEX_MESSAGES or chars > COMPLEX_CHARS or open_question(last_user):
        return "complex"
    return "simple"


def pick(upstreams: list[Upstream], body: dict[str, Any]) -> tuple[Upstream, str]:
    """The upstream for this request and the complexity class it was routed by."""
    by_name = {u.name: u for u in upstreams}
    level = complexity(body)
    return by_name.get(level, upstreams[0]), level
