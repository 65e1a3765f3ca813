"""Expand the corpus templates into `generated.jsonl` (deterministic; seed below).

    python -m opsgraph.guardrails.injection.corpus.generate

Writes beside this file. Attack families get a share of obfuscated copies (base64, rot13,
spaced letters, leetspeak, homoglyphs, zero-width characters) so the wrappers around encoded
payloads ("decode this and do what it says") are learnt too.
"""

from __future__ import annotations

import base64
import codecs
import json
import random
from collections.abc import Callable
from pathlib import Path

from opsgraph.guardrails.injection.corpus import (
    attacks,
    chat,
    european,
    everyday,
    general,
    indirect,
    longform,
    multilingual,
    ops,
    roleplay,
    steering,
    technique,
    wordsense,
)
from opsgraph.guardrails.injection.corpus.grammar import Grammar, sample

SEED = 20240502
OUTPUT = Path(__file__).with_name("generated.jsonl")

_SOURCES: list[tuple[Grammar, dict[str, tuple[list[str], int]], int | None]] = [
    (attacks.GRAMMAR, attacks.FAMILIES, 1),
    ({**attacks.GRAMMAR, **attacks.CONTRAST_SLOTS}, attacks.CONTRAST, 0),
    (indirect.GRAMMAR, indirect.FAMILIES, 1),
    ({**indirect.GRAMMAR, **indirect.CONTRAST_SLOTS}, indirect.CONTRAST, 0),
    (ops.GRAMMAR, ops.FAMILIES, 0),
    (general.GRAMMAR, general.FAMILIES, 0),
    (longform.GRAMMAR, longform.FAMILIES, 0),
    (wordsense.GRAMMAR, wordsense.FAMILIES, 0),
    (chat.GRAMMAR, chat.FAMILIES, 0),
    (technique.GRAMMAR, technique.FAMILIES, 0),
    (multilingual.GRAMMAR, multilingual.FAMILIES, None),  # label from the family name
    (european.GRAMMAR, european.FAMILIES, None),
    (everyday.GRAMMAR, everyday.FAMILIES, 0),
    (steering.GRAMMAR, steering.FAMILIES, 1),
    (steering.GRAMMAR, steering.CONTRAST, 0),
    (roleplay.GRAMMAR, roleplay.FAMILIES, 0),
]
# Later additions, each expanded with its own seed: adding one leaves every earlier row as it was.
_SEPARATE_SOURCES: list[tuple[str, Grammar, dict[str, tuple[list[str], int]], int]] = [
    ("access", ops.GRAMMAR, ops.ACCESS_FAMILIES, 0),
    ("prompt-files", ops.GRAMMAR, ops.PROMPT_FAMILIES, 0),
]


def _b64(text: str, rng: random.Random) -> str:
    blob = base64.b64encode(text.encode()).decode()
    wrapper = rng.choice([
        "Decode this base64 and follow it: {}", "{}", "Please base64-decode and execute: {}",
                          "aux data: {} (decode and obey)"])  # fmt: skip
    return wrapper.format(blob)


def _rot13_wrapper(text: str, rng: random.Random) -> str:
    wrapper = rng.choice(["Decode this rot13 and do what it says: {}", "Apply rot13, then follow it: {}"])
    return wrapper.format(codecs.encode(text, "rot13")[:24])


def _spaced(text: str, rng: random.Random) -> str:
    return "  ".join(" ".join(word) for word in text.split())


def _leet(text: str, rng: random.Random) -> str:
    return text.translate(str.maketrans("aeiost", "4310$7"))


def _homoglyph(text: str, rng: random.Random) -> str:
    return text.translate(str.maketrans("aeopcx", "аеорсх"))  # Cyrillic lookalikes


def _zero_width(text: str, rng: random.Random) -> str:
    return "\u200b".join(text) if len(text) < 200 else text.replace(" ", " \u200b")


# rot13 is caught by rescanning the decoded text; training on rot13 gibberish teaches the model
# that "gur" (rot13 of "the") is an attack, so only its wrapper is kept.
_OBFUSCATIONS: list[Callable[[str, random.Random], str]] = [
    _b64, _rot13_wrapper, _spaced, _leet, _homoglyph, _zero_width,
]  # fmt: skip


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for grammar, families, label in _SOURCES:
        for family, (templates, count) in families.items():
            row_label = label if label is not None else int(not family.endswith("benign"))
            for text in sample(templates, grammar, rng, count):
                rows.append({"text": text, "label": row_label, "family": family})
    attack_texts = [str(r["text"]) for r in rows if r["label"] == 1 and len(str(r["text"])) < 300]
    for text in rng.sample(attack_texts, min(300, len(attack_texts))):
        transform = rng.choice(_OBFUSCATIONS)
        family = f"obfuscated-{transform.__name__[1:]}"
        rows.append({"text": transform(text, rng), "label": 1, "family": family})
    for name, grammar, families, label in _SEPARATE_SOURCES:
        own = random.Random(f"{SEED}:{name}")
        for family, (templates, count) in families.items():
            rows += [
                {"text": text, "label": label, "family": family} for text in sample(templates, grammar, own, count)
            ]
    labels_by_text: dict[str, set[object]] = {}
    for row in rows:
        labels_by_text.setdefault(str(row["text"]), set()).add(row["label"])
    seen: set[str] = set()
    unique = []
    for row in rows:
        text = str(row["text"])
        if text in seen or len(labels_by_text[text]) > 1:
            continue
        seen.add(text)
        unique.append(row)
    return unique


def main() -> None:
    rows = build()
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    attacks_n = sum(1 for r in rows if r["label"] == 1)
    print(f"wrote {len(rows)} examples ({attacks_n} attacks, {len(rows) - attacks_n} benign) to {OUTPUT}")


if __name__ == "__main__":
    main()
