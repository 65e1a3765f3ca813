"""Keyword scores: BM25 over runbook chunks, with alert names split into words as well as kept whole
(`KubePodCrashLooping` -> kubepodcrashlooping, kube, pod, crash, loop)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its me my of on or "
    "our so that the their then there these this to up us was we what when where which while who why will "
    "with you your again just still keep keeps all any some very".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls" else word


def tokens(text: str) -> list[str]:
    """Lower-cased stems; camel-case words also yield their parts."""
    out: list[str] = []
    for word in _WORD.findall(text):
        parts = _CAMEL.findall(word)
        lowered = word.lower()
        if lowered not in STOPWORDS:
            out.append(_stem(lowered))
        if len(parts) > 1:
            out += [_stem(p.lower()) for p in parts if p.lower() not in STOPWORDS]
    return out


@dataclass
class BM25:
    """Okapi BM25 over a fixed set of documents (k1, b at the usual defaults)."""

    docs: list[list[str]]
    k1: float = 1.2
    b: float = 0.75
    _tf: list[Counter[str]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)
    _norm: list[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tf = [Counter(d) for d in self.docs]
        n = len(self.docs)
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        avg = sum(len(d) for d in self.docs) / max(n, 1)
        self._norm = [self.k1 * (1 - self.b + self.b * len(d) / max(avg, 1e-9)) for d in self.docs]

    def scores(self, query: list[str]) -> list[float]:
        terms = [t for t in dict.fromkeys(query) if t in self._idf]
        out = [0.0] * len(self.docs)
        for i, tf in enumerate(self._tf):
            total = 0.0
            for t in terms:
                f = tf.get(t)
                if f:
                    total += self._idf[t] * f * (self.k1 + 1) / (f + self._norm[i])
            out[i] = total
        return out
