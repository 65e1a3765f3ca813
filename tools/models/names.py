"""Model names as a planner needs them: read straight from the registry's SQLite file (no mlflow
import, a millisecond), and matched against what a person typed ("fraud model", "fraud-detection"
-> fraud-detector when that is the only model whose name starts so)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_cache: dict[tuple[str, float], tuple[str, ...]] = {}


def edit_distance(a: str, b: str) -> int:
    """Plain Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = row
    return prev[-1]


def known_models(tracking_uri: str) -> tuple[str, ...]:
    """Registered model names, when the registry is a local SQLite file; () otherwise."""
    if not tracking_uri.startswith("sqlite:///"):
        return ()
    path = Path(tracking_uri.removeprefix("sqlite:///"))
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ()
    key = (str(path), stamp)
    if key not in _cache:
        try:
            with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0) as db:
                rows = db.execute("SELECT name FROM registered_models ORDER BY name").fetchall()
        except sqlite3.Error:
            return ()
        _cache.clear()
        _cache[key] = tuple(str(r[0]) for r in rows)
    return _cache[key]


def match_model(words: tuple[str, ...], known: tuple[str, ...]) -> str | None:
    """The known model a message names: exactly, by a typo, or by a leading word that starts only
    one model's name ("fraud" -> fraud-detector)."""
    lowered = {name.lower(): name for name in known}
    for word in words:
        if word in lowered:
            return lowered[word]
    for word in words:
        if len(word) >= 6:
            close = [n for low, n in lowered.items() if edit_distance(word, low) <= 3]
            if len(close) == 1:
                return close[0]
    for word in words:
        head = word.split("-")[0]
        if len(head) >= 4:
            owners = [n for low, n in lowered.items() if low.split("-")[0] == head or low.startswith(head)]
            if len(owners) == 1:
                return owners[0]
    return None


def alias_version(tracking_uri: str, model: str, alias: str) -> int | None:
    """The version an alias points at, from the SQLite registry (None when unknown)."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    path = Path(tracking_uri.removeprefix("sqlite:///"))
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0) as db:
            row = db.execute(
                "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?", (model, alias)
            ).fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row else None
