"""Tokenising chat text and matching names with typos."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Keeps image refs (registry/repo:tag@sha256:...), versions, metric and hyphenated names in one
# token. Letters of any script are tokens: a name in Cyrillic or full-width letters must reach the
# resolver (and be reported when it names nothing), never vanish.
_TOKEN = re.compile(r"[^\W_][\w.:/@+=-]*[^\W_]|[^\W_]")


def normalize_text(text: str) -> str:
    """NFKC (full-width and compatibility forms become plain letters), then accents dropped, so
    "ｃｈｅｃｋｏｕｔ" and "chéckout" resolve like "checkout"."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c)))


NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
    "a": 1,
    "an": 1,
    "single": 1,
    "couple": 2,
    "few": 3,
}


@dataclass(frozen=True)
class Token:
    text: str  # as typed
    low: str  # lower-cased, trailing punctuation stripped
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        low = raw.lower().rstrip(".:")
        tokens.append(Token(raw, low, m.start(), m.end()))
    return tokens


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (adjacent transpositions), with an early exit above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_budget(word: str) -> int:
    """How many edits still count as the same name: none for short words, more for long ones."""
    if len(word) <= 3:
        return 0
    if len(word) <= 5:
        return 1
    if len(word) <= 9:
        return 2
    return 3


class SpellFixer:
    """Maps a misspelt word to the known word it is one typo away from ("lgos" -> "logs").

    A word equally close to two known words ("stale": scale, state, stable) is ambiguous and left
    as written: picking one would be a guess, and which one came first used to depend on set
    order, so the same message planned differently after a restart (PYTHONHASHSEED)."""

    def __init__(self, vocabulary: set[str] | frozenset[str]) -> None:
        self._known = frozenset(w for w in vocabulary if len(w) >= 4 and w.isalpha())
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self._known):
            self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        if len(word) < 4 or not word.isalpha() or word in self._known:
            return word
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        budget = 1 if len(word) < 7 else 2
        best, best_distance, ties = word, budget + 1, 0
        for length in range(len(word) - budget, len(word) + budget + 1):
            for candidate in self._by_length.get(length, ()):
                distance = edit_distance(word, candidate, budget)
                if distance < best_distance:
                    best, best_distance, ties = candidate, distance, 1
                elif distance == best_distance:
                    ties += 1
        if ties > 1:
            best = word
        if len(self._cache) < 10_000:
            self._cache[word] = best
        return best

    def fix(self, text: str) -> str:
        return " ".join(self.word(w) for w in text.split())
