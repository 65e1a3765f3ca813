"""One index over the shipped runbooks for the whole session (embedding them takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.tools.runbooks.search import Searcher


@pytest.fixture(scope="session")
def shipped_searcher(model_cache: Path) -> Searcher:
    """The same index the runbooks eval suite uses (<cache dir>/runbooks-eval-index)."""
    return Searcher.open(model_cache / "runbooks-eval-index", [], shipped=True)[0]


def write_runbook(folder: Path, name: str, alerts: list[str], body: str, title: str | None = None) -> Path:
    path = folder / f"{name}.md"
    front = f"---\ntitle: {title or name.replace('-', ' ')}\nsummary: what to do about {name.replace('-', ' ')}\n"
    front += f"alerts: [{', '.join(alerts)}]\n---\n"
    path.write_text(front + body)
    return path
