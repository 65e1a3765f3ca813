"""Features for the injection classifier: word 1-2 grams, character 4-5 grams of longer words, and
the kinds of request the text makes (asks.py).

Character grams are there to recognise a trigger word that was misspelt or glued to another
("instrucions", "ignoreprevious"). Every trigger word has five letters or more, so short words get
none: the grams of "your", "and" or "you" only multiplied the weight of words that say nothing
about an attack, and long benign prose scored high on them.

The same pure-Python function is the analyzer at training time (scikit-learn) and at inference
(no scikit-learn), so the two cannot drift apart. Bump `FEATURE_VERSION` whenever this changes:
the cached model is keyed on it and retrains.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise

from opsgraph.guardrails.injection.asks import asks

FEATURE_VERSION = "4"
MAX_MODEL_CHARS = 6000
_MAX_CHAR_GRAM_WORD = 24
_MIN_CHAR_GRAM_WORD = 5
_CHAR_GRAM_SIZES = (4, 5)
_TOKEN = re.compile(r"\w+|[^\w\s]{2,}")
_DIGIT = re.compile(r"\d")


def feature_list(text: str) -> list[str]:
    """Features of already-normalised text (see normalize.py), repeated as often as they occur."""
    if len(text) > MAX_MODEL_CHARS:
        # Keep the start and the end: attacks sit at either edge of long text.
        text = text[: MAX_MODEL_CHARS * 2 // 3] + "\n" + text[-MAX_MODEL_CHARS // 3 :]
    tokens = _TOKEN.findall(_DIGIT.sub("0", text))
    features = list(tokens)
    features += [f"{a} {b}" for a, b in pairwise(tokens)]
    for token in tokens:
        features += _char_grams(token)
    features += asks(text)
    return features


def count_features(text: str) -> Counter[str]:
    return Counter(feature_list(text))


@lru_cache(maxsize=65536)
def _char_grams(word: str) -> tuple[str, ...]:
    if len(word) < _MIN_CHAR_GRAM_WORD or not (word[0].isalnum() or word[0] == "_"):
        return ()
    padded = f" {word[:_MAX_CHAR_GRAM_WORD]} "
    return tuple(
        "~" + padded[start : start + size] for size in _CHAR_GRAM_SIZES for start in range(len(padded) - size + 1)
    )
