"""Features for the injection classifier: word 1-2 grams plus character 3-5 grams of each word.

The same pure-Python function is the analyzer at training time (scikit-learn) and at inference
(no scikit-learn), so the two cannot drift apart. Bump `FEATURE_VERSION` whenever this changes:
the cached model is keyed on it and retrains.
"""

from __future__ import annotations

import re
from collections import Counter

FEATURE_VERSION = "1"
MAX_MODEL_CHARS = 6000
_MAX_CHAR_GRAM_WORD = 24
_TOKEN = re.compile(r"\w+|[^\w\s]{2,}")
_DIGIT = re.compile(r"\d")


def count_features(text: str) -> Counter[str]:
    """Feature counts of already-normalised text (see normalize.py)."""
    if len(text) > MAX_MODEL_CHARS:
        # Keep the start and the end: attacks sit at either edge of long text.
        text = text[: MAX_MODEL_CHARS * 2 // 3] + "\n" + text[-MAX_MODEL_CHARS // 3 :]
    tokens = _TOKEN.findall(_DIGIT.sub("0", text))
    counts: Counter[str] = Counter(tokens)
    counts.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    for word, n in list(Counter(t for t in tokens if t[0].isalnum() or t[0] == "_").items()):
        padded = f" {word[:_MAX_CHAR_GRAM_WORD]} "
        for size in (3, 4, 5):
            for start in range(len(padded) - size + 1):
                counts["~" + padded[start : start + size]] += n
    return counts


def analyzer(text: str) -> list[str]:
    """scikit-learn analyzer form: the features as a flat list (repeats = counts)."""
    return list(count_features(text).elements())
