"""The persistent chromadb collection of runbook chunks, kept in step with the files incrementally:
a runbook is re-embedded only when its file's sha256 changed; deleted files leave the index."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.tools.runbooks.documents import Runbook
from opsgraph.tools.runbooks.embedding import MODEL_ID

COLLECTION = "opsgraph-runbooks"
Encode = Callable[[list[str]], list[list[float]]]
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class Chunk:
    id: str
    runbook: str
    section: str
    kind: str  # "card" (title, summary, alerts, tags) or "section"
    text: str


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_embedded: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
            "chunks_embedded": self.chunks_embedded,
        }


def spoken(alert: str) -> str:
    """KubePodCrashLooping -> 'Kube Pod Crash Looping' (for the embedder, which reads words)."""
    return _CAMEL.sub(" ", alert)


def chunks_of(runbook: Runbook) -> list[Chunk]:
    meta = runbook.meta
    card = "\n".join(
        [
            meta.title,
            meta.summary,
            "Alerts: " + ", ".join(f"{a} ({spoken(a)})" for a in meta.alerts) if meta.alerts else "",
            "Tags: " + ", ".join(meta.tags) if meta.tags else "",
            "Services: " + ", ".join(meta.services) if meta.services else "",
        ]
    ).strip()
    out = [Chunk(f"{runbook.id}#0", runbook.id, runbook.sections[0].heading, "card", card)]
    for i, section in enumerate(runbook.sections, start=1):
        text = f"{meta.title}: {section.heading}\n{section.text}"
        out.append(Chunk(f"{runbook.id}#{i}", runbook.id, section.heading, "section", text))
    return out


class RunbookStore:
    def __init__(self, path: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self._collection = self._open()

    def _open(self) -> Any:
        # embedding_function=None: vectors always come from our MiniLM, never chromadb's default.
        collection = self._client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine", "model": MODEL_ID}
        )
        if (collection.metadata or {}).get("model") != MODEL_ID:  # another embedder wrote it: start over
            self._client.delete_collection(COLLECTION)
            collection = self._client.get_or_create_collection(
                COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine", "model": MODEL_ID}
            )
        return collection

    def indexed(self) -> dict[str, str]:
        """runbook id -> digest of the file its chunks were made from."""
        got = self._collection.get(include=["metadatas"])
        return {str(m["runbook"]): str(m["digest"]) for m in got["metadatas"] or []}

    def sync(self, runbooks: list[Runbook], encode: Callable[[], Encode]) -> SyncReport:
        """Bring the collection in step with `runbooks`; `encode()` is called only if something changed."""
        report = SyncReport()
        before = self.indexed()
        stale = [r for r in runbooks if before.get(r.id) != r.digest]
        current = {r.id for r in runbooks}
        for gone in sorted(set(before) - current):
            self._collection.delete(where={"runbook": gone})
            report.removed.append(gone)
        report.unchanged = [r.id for r in runbooks if before.get(r.id) == r.digest]
        if not stale:
            return report
        fresh = [(r, c) for r in stale for c in chunks_of(r)]
        vectors = encode()([c.text for _, c in fresh])
        for runbook in stale:
            if runbook.id in before:
                self._collection.delete(where={"runbook": runbook.id})
                report.updated.append(runbook.id)
            else:
                report.added.append(runbook.id)
        self._collection.add(
            ids=[c.id for _, c in fresh],
            embeddings=vectors,
            documents=[c.text for _, c in fresh],
            metadatas=[{"runbook": r.id, "section": c.section, "kind": c.kind, "digest": r.digest} for r, c in fresh],
        )
        report.chunks_embedded = len(fresh)
        return report

    def chunks(self) -> list[tuple[Chunk, list[float]]]:
        """Every chunk with its vector, in runbook order."""
        got = self._collection.get(include=["metadatas", "documents", "embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        out = [
            (Chunk(cid, str(m["runbook"]), str(m["section"]), str(m["kind"]), str(doc)), [float(x) for x in vec])
            for cid, m, doc, vec in zip(
                got["ids"], got["metadatas"] or [], got["documents"] or [], vectors, strict=True
            )
        ]
        return sorted(out, key=lambda cv: (cv[0].runbook, int(cv[0].id.rsplit("#", 1)[1])))

    def similarities(self, vector: list[float], n: int) -> dict[str, float]:
        """chunk id -> cosine similarity to `vector`, for the `n` nearest chunks."""
        got = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        ids = got["ids"][0]
        distances = (got["distances"] or [[]])[0]
        return {cid: 1.0 - float(d) for cid, d in zip(ids, distances, strict=True)}

    def count(self) -> int:
        return int(self._collection.count())
