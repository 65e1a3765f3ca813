"""A tiny template grammar for writing the corpus: `{slot}` picks one alternative of `slot`;
`{{` and `}}` are literal braces (for JSON in templates).

Alternatives may contain slots themselves. Expansion is seeded, so `generate.py` writes the same
file every time and the model cache key only changes when the templates do.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

_SLOT = re.compile(r"(?<!\{)\{([a-z_0-9]+)\}(?!\})")
Grammar = Mapping[str, Sequence[str]]


def expand(template: str, grammar: Grammar, rng: random.Random, depth: int = 0) -> str:
    if depth > 8:
        raise ValueError(f"template recursion too deep at {template!r}")

    def pick(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in grammar:
            raise KeyError(f"template slot {{{name}}} has no alternatives")
        return expand(rng.choice(grammar[name]), grammar, rng, depth + 1)

    return _SLOT.sub(pick, template)


def tidy(text: str) -> str:
    """Collapse the double spaces and stray spaces before punctuation that empty slots leave."""
    text = text.replace("{{", "{").replace("}}", "}")
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    return text.strip()


def sample(templates: Sequence[str], grammar: Grammar, rng: random.Random, count: int) -> list[str]:
    """`count` distinct expansions (fewer if the grammar cannot produce that many)."""
    seen: dict[str, None] = {}
    attempts = 0
    while len(seen) < count and attempts < count * 20:
        attempts += 1
        seen.setdefault(tidy(expand(rng.choice(templates), grammar, rng)), None)
    return list(seen)
