"""Undo the spelling tricks that hide an instruction from rules and the classifier.

`normalize(text)` returns lower-cased text with invisible characters removed, Unicode tag
characters decoded, compatibility forms and accents folded, homoglyphs mapped to Latin inside
words that mix scripts, and trigger words reassembled from spaced (`i g n o r e`), split
(`ign.ore`), glued (`ignoreprevious`) and leetspeak (`1gn0r3`) spellings. Ordinary text passes
through unchanged apart from case; `flags` says which tricks were seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from opsgraph.guardrails.injection.confusables import CONFUSABLE_CHARS, CONFUSABLES
from opsgraph.guardrails.injection.vocab import ATTACK_WORDS, MAX_SEGMENT_WORD, SEGMENT_WORDS, TRIGGER_WORDS

_INVISIBLE_CODEPOINTS = [
    0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0,
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A),
    *range(0xFE00, 0xFE10),
]  # fmt: skip
_INVISIBLE: dict[int, None] = dict.fromkeys(_INVISIBLE_CODEPOINTS)
# Unicode "tag" characters mirror ASCII and render as nothing: a known way to smuggle text.
_TAGS: dict[int, str | None] = {
    cp: (chr(cp - 0xE0000) if 0xE0020 <= cp <= 0xE007E else None) for cp in range(0xE0000, 0xE0080)
}
_TAG_RE = re.compile("[\U000e0000-\U000e007f]")
_INVISIBLE_IN_WORD = re.compile(r"[A-Za-z][\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+[A-Za-z]")
_WORD = re.compile(r"\w+")

_SPACED = re.compile(r"(?<!\w)(?:[a-z][ .\-_*|+~/:]){2,}[a-z](?!\w)")
_SPLIT = re.compile(r"\b[a-z]+(?:[.\-_*|]+[a-z]+)+\b")
_LEET_CANDIDATE = re.compile(r"(?<![\w@$])(?=[\w@$!|]*[a-z])(?=[\w@$!|]*[0-9@$!|])[\w@$!|]{3,}")
_GLUED = re.compile(r"\b[a-z]{10,60}\b")
# One short word over and over ("zz zz zz ...", "ö ö ö ..."), or a phrase of two to four words six
# times: padding that pushes the reader's own instructions out of view, dilutes a classifier or
# drills in an answer. Prose and logs do not repeat a word ten times or a phrase six times running.
_FILLER_WORD_RUN = 10
_FILLER_PHRASE_RUN = 6
# Rewrites one match, or declines with None.
_Fixer = Callable[[str], "str | None"]
_LONG_ATTACK_WORDS = tuple(sorted(w for w in ATTACK_WORDS if len(w) >= 5))
_LEET_I = str.maketrans("013457@$!|98", "oieastasilgb")
_LEET_L = str.maketrans("013457@$!|98", "oleastasilgb")


@dataclass(frozen=True)
class Normalized:
    text: str
    flags: tuple[str, ...] = ()


def normalize(text: str) -> Normalized:
    flags: list[str] = []
    if not text.isascii():
        text = _fold_unicode(text, flags)
    text = text.lower()
    text = _rewrite(_SPACED, text, _unspace, flags, "spaced-letters")
    text = _rewrite(_SPLIT, text, _unsplit, flags, "split-words")
    text = _rewrite(_LEET_CANDIDATE, text, _unleet, flags, "leetspeak")
    text = _rewrite(_GLUED, text, _unglue, flags, "glued-words")
    if _has_filler_run(text.split()):
        flags.append("filler-run")
    return Normalized(text, tuple(flags))


def _fold_unicode(text: str, flags: list[str]) -> str:
    if _TAG_RE.search(text):
        flags.append("tag-characters")
        text = text.translate(_TAGS)
    if _INVISIBLE_IN_WORD.search(text):
        flags.append("zero-width")
    text = text.translate(_INVISIBLE)
    decomposed = unicodedata.normalize("NFKD", text)
    text = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    if not CONFUSABLE_CHARS.isdisjoint(text):
        mapped = _WORD.sub(_map_confusables, text)
        if mapped != text:
            flags.append("homoglyph")
            text = mapped
    return text


def _has_filler_run(words: list[str]) -> bool:
    """A word repeated `_FILLER_WORD_RUN` times running, or a phrase of 2-4 words `_FILLER_PHRASE_RUN` times."""
    if len(words) < _FILLER_WORD_RUN:
        return False
    words = [w.strip(".,!?;:") for w in words]
    for size in range(1, 5):
        # a phrase of `size` words repeated R times is a run of (R - 1) * size words equal to the
        # word `size` places earlier
        needed = ((_FILLER_WORD_RUN if size == 1 else _FILLER_PHRASE_RUN) - 1) * size
        run = 0
        for word, earlier in zip(words[size:], words, strict=False):
            run = run + 1 if word and word == earlier else 0
            if run >= needed:
                return True
    return False


def _map_confusables(match: re.Match[str]) -> str:
    word = match.group(0)
    if CONFUSABLE_CHARS.isdisjoint(word):
        return word
    # Only words that already mix in Latin letters: Russian or Greek prose stays as it is.
    has_latin = any("a" <= c <= "z" or "A" <= c <= "Z" for c in word)
    return word.translate(CONFUSABLES) if has_latin else word


def _rewrite(pattern: re.Pattern[str], text: str, fix: _Fixer, flags: list[str], flag: str) -> str:
    suspicious = False

    def replace(match: re.Match[str]) -> str:
        nonlocal suspicious
        original = match.group(0)
        fixed = fix(original)
        if fixed is None or fixed == original:
            return original
        suspicious = suspicious or not ATTACK_WORDS.isdisjoint(fixed.split())
        return fixed

    result = pattern.sub(replace, text)
    if suspicious:  # only report a disguise when it hid an attack word
        flags.append(flag)
    return result


def _unspace(run: str) -> str | None:
    letters = "".join(c for c in run if c.isalpha())
    words = segment(letters)
    if words is None or (len(words) > 1 and not any(w in TRIGGER_WORDS and len(w) >= 4 for w in words)):
        return None
    return " ".join(words)


def _unsplit(token: str) -> str | None:
    pieces = re.split(r"[^a-z]+", token)
    joined = "".join(pieces)
    if joined in TRIGGER_WORDS and not all(p in SEGMENT_WORDS for p in pieces):
        return joined
    return None


def _unleet(token: str) -> str | None:
    for table in (_LEET_I, _LEET_L):
        candidate = token.translate(table)
        if candidate in TRIGGER_WORDS:
            return candidate
    return None


def _unglue(token: str) -> str | None:
    if not any(word in token for word in _LONG_ATTACK_WORDS):
        return None  # the segmentation below is only worth it if an attack word could come out
    words = segment(token)
    if words is None or len(words) < 2 or not any(w in TRIGGER_WORDS and len(w) >= 5 for w in words):
        return None
    return " ".join(words)


def segment(letters: str) -> list[str] | None:
    """Split a run of letters into known words (fewest words wins), or None if impossible."""
    n = len(letters)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_SEGMENT_WORD), end):
            prefix = best[start]
            if prefix is None or letters[start:end] not in SEGMENT_WORDS:
                continue
            current = best[end]
            if current is None or len(prefix) + 1 < len(current):
                best[end] = [*prefix, letters[start:end]]
    return best[n]
