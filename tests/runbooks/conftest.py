"""One index over the shipped runbooks for the whole session (embedding them takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.evals.runbooks import eval_state_dir
from opsgraph.tools.runbooks.search import Searcher, index_dir_for


@pytest.fixture(scope="session")
def shipped_searcher(model_cache: Path) -> Searcher:
    """The same index the runbooks eval suite uses (a state dir of its own under the cache dir)."""
    return Searcher.open(index_dir_for(eval_state_dir(model_cache)), [], shipped=True)[0]


def write_runbook(folder: Path, name: str, alerts: list[str], body: str, title: str | None = None) -> Path:
    path = folder / f"{name}.md"
    front = f"---\ntitle: {title or name.replace('-', ' ')}\nsummary: what to do about {name.replace('-', ' ')}\n"
    front += f"alerts: [{', '.join(alerts)}]\n---\n"
    path.write_text(front + body)
    return path
