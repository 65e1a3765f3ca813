"""The retrieval queries and their split: about a third tunes (chooses the fusion weights), the
rest scores and chose nothing. The split is a hash of the query text, so it cannot drift with edits
elsewhere in the file and nobody picks which query lands where."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

Part = Literal["tuning", "scoring"]
TUNING_SHARE = 3  # one query in three


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str
    runbook: str


@dataclass(frozen=True)
class Split:
    tuning: tuple[Query, ...]
    scoring: tuple[Query, ...]


def part_of(text: str) -> Part:
    digest = int(hashlib.sha256(text.strip().lower().encode()).hexdigest(), 16)
    return "tuning" if digest % TUNING_SHARE == 0 else "scoring"


def load_queries() -> list[Query]:
    raw = yaml.safe_load(files("opsgraph.evals.runbooks").joinpath("queries.yaml").read_text())
    return TypeAdapter(list[Query]).validate_python(raw)


def split(queries: list[Query] | None = None) -> Split:
    queries = load_queries() if queries is None else queries
    return Split(
        tuple(q for q in queries if part_of(q.q) == "tuning"),
        tuple(q for q in queries if part_of(q.q) == "scoring"),
    )
