"""Hybrid runbook search: exact alert names, BM25 keywords and MiniLM meaning, fused per runbook.

A runbook's score is `alert * [an alert it answers is named] + max over its chunks of
(semantic * cosine + keyword * bm25 / best bm25)`. The result cites the runbook and its best
section. The weights were chosen on the tuning half of the retrieval eval (evals/runbooks), see
`WEIGHTS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.tools.runbooks.documents import Action, Runbook, load_all
from opsgraph.tools.runbooks.keyword import BM25, tokens
from opsgraph.tools.runbooks.store import Chunk, Encode, RunbookStore, SyncReport

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_:]+")


@dataclass(frozen=True)
class Weights:
    semantic: float
    keyword: float
    alert: float


# Chosen by `python -m opsgraph.evals.runbooks.tune` on the tuning split of evals/runbooks/queries.yaml
# (the scoring split chose nothing); re-run it after changing the runbooks or the scoring.
WEIGHTS = Weights(semantic=1.0, keyword=0.5, alert=2.0)
SEMANTIC_ONLY = Weights(semantic=1.0, keyword=0.0, alert=0.0)


@dataclass(frozen=True)
class Hit:
    runbook: str
    title: str
    section: str
    alerts: tuple[str, ...]
    score: float
    path: Path
    actions: tuple[Action, ...]
    matched_alerts: tuple[str, ...] = ()

    def to_json(self, values: dict[str, str] | None = None) -> dict[str, Any]:
        """The `runbooks search --json` contract fields, then the extras (title, path, actions)."""
        return {
            "runbook": self.runbook,
            "section": self.section,
            "alerts": list(self.alerts),
            "score": round(self.score, 4),
            "title": self.title,
            "path": str(self.path),
            "matched_alerts": list(self.matched_alerts),
            "actions": [a.filled(values or {}) for a in self.actions],
        }


# Up to this many chunks, cosine similarities are one exact matrix product over vectors held in
# memory (well under a millisecond); above it, chromadb's HNSW index answers the nearest ones.
EXACT_LIMIT = 5000
NEAREST = 200


class Searcher:
    def __init__(
        self, runbooks: list[Runbook], chunks: list[tuple[Chunk, list[float]]], store: RunbookStore, encode: Encode
    ) -> None:
        import numpy as np

        self.runbooks = {r.id: r for r in runbooks}
        kept = [(c, v) for c, v in chunks if c.runbook in self.runbooks]
        self._chunks = [c for c, _ in kept]
        self._matrix = np.asarray([v for _, v in kept], dtype=np.float32) if len(kept) <= EXACT_LIMIT else None
        self._store = store
        self._encode = encode
        self._bm25 = BM25([tokens(c.text) for c in self._chunks])
        self._alerts: dict[str, set[str]] = {}  # lower-cased alert name -> runbook ids
        self._spelled: dict[str, str] = {}  # lower-cased -> as the rules spell it
        for r in runbooks:
            for alert in r.alerts:
                self._alerts.setdefault(alert.lower(), set()).add(r.id)
                self._spelled[alert.lower()] = alert

    @classmethod
    def open(cls, index_dir: Path, dirs: list[Path], *, shipped: bool = True) -> tuple[Searcher, SyncReport]:
        """Read the runbook files, bring the index in step (embedding only changed files), load it."""
        from opsgraph.tools.runbooks.embedding import embedder

        runbooks = load_all(dirs, shipped=shipped)
        store = RunbookStore(index_dir)
        report = store.sync(runbooks, lambda: embedder().encode)
        return cls(runbooks, store.chunks(), store, lambda texts: embedder().encode(texts)), report

    def named_alerts(self, text: str) -> list[str]:
        """Alert names that appear verbatim (any case) in `text`."""
        return [self._spelled[w.lower()] for w in dict.fromkeys(_WORD.findall(text)) if w.lower() in self._alerts]

    def search(self, query: str, k: int = 3, *, alerts: Iterable[str] = (), weights: Weights = WEIGHTS) -> list[Hit]:
        if not self._chunks or (not query.strip() and not alerts):
            return []
        named = list(dict.fromkeys([*(a for a in alerts if a.lower() in self._alerts), *self.named_alerts(query)]))
        text = " ".join([query, *alerts]).strip()
        semantic = self._semantic(text) if weights.semantic else {}
        raw = self._bm25.scores(tokens(text)) if weights.keyword else [0.0] * len(self._chunks)
        top = max(raw) or 1.0
        best: dict[str, tuple[float, str]] = {}  # runbook -> (chunk score, section)
        best_section: dict[str, tuple[float, str]] = {}
        for chunk, kw in zip(self._chunks, raw, strict=True):
            score = weights.semantic * semantic.get(chunk.id, 0.0) + weights.keyword * kw / top
            if score > best.get(chunk.runbook, (float("-inf"), ""))[0]:
                best[chunk.runbook] = (score, chunk.section)
            if chunk.kind == "section" and score > best_section.get(chunk.runbook, (float("-inf"), ""))[0]:
                best_section[chunk.runbook] = (score, chunk.section)
        hits = []
        for rid, (score, section) in best.items():
            runbook = self.runbooks[rid]
            matched = tuple(a for a in named if rid in self._alerts[a.lower()])
            total = score + (weights.alert if matched else 0.0)
            cited = best_section.get(rid, (0.0, section))[1]
            hits.append(
                Hit(rid, runbook.meta.title, cited, runbook.alerts, total, runbook.path, runbook.actions, matched)
            )
        hits.sort(key=lambda h: (-h.score, h.runbook))
        return hits[:k]

    def memoize_queries(self) -> None:
        """Embed each distinct query once (for tuning loops that repeat queries; not for latency numbers)."""
        encode, memo = self._encode, dict[str, list[float]]()

        def cached(texts: list[str]) -> list[list[float]]:
            missing = [t for t in texts if t not in memo]
            memo.update(zip(missing, encode(missing), strict=True))
            return [memo[t] for t in texts]

        self._encode = cached

    def _semantic(self, text: str) -> dict[str, float]:
        vector = self._encode([text])[0]
        if self._matrix is None:
            return self._store.similarities(vector, NEAREST)
        import numpy as np

        sims = self._matrix @ np.asarray(vector, dtype=np.float32)
        return {c.id: float(s) for c, s in zip(self._chunks, sims, strict=True)}


def index_dir_for(state_dir: Path) -> Path:
    return state_dir / "runbooks" / "chroma"


_OPEN: dict[tuple[Any, ...], Searcher] = {}


def searcher(state_dir: Path | None = None, dirs: list[Path] | None = None) -> Searcher:
    """The process-wide searcher for these settings (index synced on first use, then kept warm)."""
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.runbooks.settings import RunbooksSettings

    config = RunbooksSettings()
    state = state_dir or Settings().state_dir
    folders = list(dirs) if dirs is not None else list(config.dirs)
    key = (str(state), tuple(str(d) for d in folders), config.shipped, _fingerprint(folders, config.shipped))
    if key not in _OPEN:
        _OPEN.clear()  # files changed (or other settings): the old searcher is stale
        _OPEN[key] = Searcher.open(index_dir_for(state), folders, shipped=config.shipped)[0]
    return _OPEN[key]


def _fingerprint(dirs: list[Path], shipped: bool) -> tuple[tuple[str, float], ...]:
    """Runbook files and their modification times: an edited file makes the next search re-sync."""
    from opsgraph.tools.runbooks.documents import shipped_dir

    folders = ([shipped_dir()] if shipped else []) + dirs
    return tuple(
        (str(p), p.stat().st_mtime) for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.md"))
    )
