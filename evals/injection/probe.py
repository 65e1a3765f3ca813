"""The project's own development probe for the injection detector: `own_probe.jsonl`.

Written by hand in attack and benign categories (forced output, verification bypass, fake
boundaries, role rewrites, padding, priority claims, code and translation tricks, prompt leaks,
indirect tasks; fiction, sensitive questions, format requests, trigger words, long requests,
role-play asks, documents) before the corpus rows of those categories, and never trained on: a
test checks that no row shares eight words in a row with the corpus. It is a development set
like valid.json: it may choose settings, and its number says nothing about unseen data.
"""

from __future__ import annotations

from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from opsgraph.evals.injection.data import Sample


class _ProbeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    label: Literal[0, 1]
    category: str


def own_probe() -> list[Sample]:
    """The probe rows as samples; `source` is `own_probe/<category>`."""
    text = resources.files("opsgraph.evals.injection").joinpath("own_probe.jsonl").read_text(encoding="utf-8")
    adapter = TypeAdapter(_ProbeRow)
    rows = [adapter.validate_json(line) for line in text.splitlines() if line.strip()]
    return [Sample(r.text, r.label, f"own_probe/{r.category}") for r in rows]
