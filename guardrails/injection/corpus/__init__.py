"""The classifier's training corpus, written by this project: every `*.jsonl` file here.

Each line is `{"text": ..., "label": 0|1, "family": ...}`; label 1 is an injection. Files:
`handwritten.jsonl` (typed by hand) and `generated.jsonl` (expanded from the templates in
`generate.py`; rebuild with `python -m opsgraph.guardrails.injection.corpus.generate`).
No public benchmark data is used here: that data only measures (see evals/injection).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CorpusLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    label: Literal[0, 1]
    family: str = Field(min_length=1)


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    family: str


def _files() -> list[Traversable]:
    root = resources.files(__name__)
    return sorted((f for f in root.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)


def corpus_digest() -> str:
    digest = hashlib.sha256()
    for file in _files():
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_corpus() -> list[Example]:
    examples: list[Example] = []
    for file in _files():
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                parsed = CorpusLine.model_validate_json(line)
            except ValidationError as exc:
                raise ValueError(f"corpus file {file.name} line {number}: {exc.errors()[0]['msg']}") from exc
            examples.append(Example(parsed.text, parsed.label, parsed.family))
    return examples
