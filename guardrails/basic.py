"""A first input guard: obvious injection phrases. guardrails.injection supersedes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PHRASES = [
    r"\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all)\b.{0,20}\b(instructions?|rules|prompts?)\b",
    r"\b(reveal|print|show|repeat)\b.{0,30}\b(system prompt|hidden instructions)\b",
    r"\byou are now\b.{0,40}\b(dan|unrestricted|jailbroken|developer mode)\b",
    r"<\|im_start\|>|\[/?INST\]|^\s*#{2,}\s*system\b",
]
_PATTERN = re.compile("|".join(f"(?:{p})" for p in _PHRASES), re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class BasicVerdict:
    injection: bool
    score: float
    reasons: tuple[str, ...] = ()


def scan(text: str) -> BasicVerdict:
    match = _PATTERN.search(text)
    if match:
        return BasicVerdict(True, 1.0, (f"injection phrase: {match.group(0)[:60]!r}",))
    return BasicVerdict(False, 0.0)


def scan_untrusted(text: str, source: str) -> BasicVerdict:
    return scan(text)
