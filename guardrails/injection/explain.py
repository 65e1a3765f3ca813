"""Say in words why a message was refused: what a person reads, never a score or a rule id.

    explain(("rule:override:ignore-previous-instructions", "model:0.97"))
    # 'it tells me to ignore or replace my instructions, and its wording is close to known
    #  prompt-injection attacks'

The verdict's reasons (`rule:...`, `model:0.85`, `decoded:base64`) stay in the audit log and in
`opsgraph guard check` for whoever tunes the detector.
"""

from __future__ import annotations

from collections.abc import Iterable

_FAMILIES = {
    "override": "it tells me to ignore or replace my instructions",
    "extraction": "it asks me to reveal my instructions or hidden configuration",
    "persona": "it asks me to play a character without my rules (a jailbreak)",
    "delimiter": "it imitates system or chat markers to pass itself off as my instructions",
    "exfiltration": "it tries to make me send data to an outside address",
    "hijack": "it tries to make me print a message of its own choosing",
    "indirect": "it carries instructions aimed at an AI reader",
    "malicious-code": "it asks for code that would harm the machine it runs on",
    "steering": "it tries to slip content of its own into my answer",
    "tool-smuggling": "it tries to make me call tools or skip the approval step",
}
_DISGUISES = {
    "tag-characters": "invisible tag characters",
    "homoglyph": "look-alike letters from another alphabet",
    "zero-width": "hidden zero-width characters",
    "leetspeak": "digits in place of letters",
    "split-words": "words split apart",
    "glued-words": "words glued together",
    "spaced-letters": "spaced-out letters",
}
_MODEL = "its wording is close to known prompt-injection attacks"
_FALLBACK = "it reads like an attempt to change my instructions"


def explain(reasons: Iterable[str], limit: int = 2) -> str:
    """The strongest `limit` reasons as one clause, most important first, plus any disguise."""
    phrases: list[str] = []
    disguises: list[str] = []
    for reason in reasons:
        kind, _, rest = reason.partition(":")
        if kind == "rule":
            phrase = _FAMILIES.get(rest.partition(":")[0], _FALLBACK)
        elif kind == "model":
            phrase = _MODEL
        elif kind == "decoded":
            encoding = rest.partition(">")[0]
            phrase = f"it hides instructions in {encoding}-encoded text"
        elif kind == "obfuscation":
            disguises.append(_DISGUISES.get(rest, rest.replace("-", " ")))
            continue
        else:  # source:... names where the text came from, not why it was refused
            continue
        if phrase not in phrases:
            phrases.append(phrase)
    chosen = phrases[:limit] or [_FALLBACK]
    if disguises:  # a disguise is worth naming whatever else was found
        chosen.append("it is disguised with " + " and ".join(dict.fromkeys(disguises)))
    return ", and ".join(chosen)


def refusal(reasons: Iterable[str]) -> str:
    """The reply to a refused message."""
    return f"I won't act on that message: {explain(reasons)}. If this is a real request, rephrase it."
