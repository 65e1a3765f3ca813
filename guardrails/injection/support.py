"""How much text the classifier has to go on, and how far to trust it on very short messages.

The classifier is a bag of words: on one or two words its logit is the average pull of those
words' features, at full strength, because the TF-IDF vector is normalised to unit length. The
corpus teaches it nothing about such messages (no English attack in it is shorter than
`MIN_SUPPORT_WORDS` words; tests check that), so on "admin" or "approvals" it extrapolates from
the sentences those words appeared in, and a single word that attacks also use scores like an
attack. Below that length its logit is shrunk towards the intercept (the prior) in proportion to
the words present; rules, disguises and decoded payloads still count in full, so "DAN mode" or a
base64 blob are judged as before.
"""

from __future__ import annotations

import re

MIN_SUPPORT_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Scripts written without spaces: a run of these characters is many words, not one.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def word_count(normalised_text: str) -> float:
    """Words in the text; in scripts without spaces, two characters count as a word."""
    count = 0.0
    for token in _WORD.findall(normalised_text):
        unspaced = len(_UNSPACED.findall(token))
        count += unspaced / 2 if unspaced else 1
    return count


def support(normalised_text: str) -> float:
    """Share of the classifier's evidence to trust: 1 from `MIN_SUPPORT_WORDS` words up."""
    return min(1.0, word_count(normalised_text) / MIN_SUPPORT_WORDS)
