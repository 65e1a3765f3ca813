"""The gateway's semantic cache: chromadb (HNSW, cosine) with the local MiniLM embedding.

An entry is one answer to one question in one context. A lookup is a hit only when
- the context is the same: model, system prompt, tool names and every message before the
  question (hashed; a conversation's later turns never hit a different conversation's entries),
- the facts are the same (negation, polarity words, numbers, versions, names: see facts.py),
- the entry is younger than the TTL and from the current cache epoch (invalidation), and
- the question's embedding is at least `threshold` similar to the entry's.
The index answers the nearest CANDIDATES entries without a filter (a metadata `where` makes
chromadb scan; 250 ms at 10k entries), and every condition above is checked on them in code.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.serving.gateway.facts import facts_of

COLLECTION = "gateway_cache"
# Chosen by opsgraph.serving.gateway.cache_eval on the tuning half of the paraphrase sets; the
# scoring half chose nothing (tests/gateway/test_cache_eval.py checks the two agree).
DEFAULT_THRESHOLD = 0.70
# Nearest entries checked per lookup. The guard is checked on each in code: a crowded
# neighbourhood of other facts can cost a hit (a miss), never a false hit.
CANDIDATES = 8

Encode = Callable[[list[str]], list[list[float]]]


@dataclass(frozen=True)
class Hit:
    response: dict[str, Any]
    similarity: float
    question: str


class SemanticCache:
    def __init__(
        self,
        path: Path | None,
        encode: Encode,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from opsgraph.tools.runbooks.embedding import MODEL_ID

        chroma = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if path is None:
            self._client = chromadb.EphemeralClient(settings=chroma)
            name = f"{COLLECTION}_{uuid.uuid4().hex[:8]}"  # ephemeral clients share a process-wide store
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma)
            name = COLLECTION
        # embedding_function=None: vectors always come from our MiniLM, never chromadb's default.
        self._collection: Any = self._client.get_or_create_collection(
            name, embedding_function=None, metadata={"hnsw:space": "cosine", "model": MODEL_ID}
        )
        self.encode = encode
        self.threshold = threshold
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._epoch = self._stored_epoch()

    # -- lookups -------------------------------------------------------------------------------
    def lookup(self, context: str, question: str, vector: list[float] | None = None) -> Hit | None:
        facts = facts_of(question)
        vector = vector or self.encode([question])[0]
        found = self._collection.query(
            query_embeddings=[vector], n_results=CANDIDATES, include=["metadatas", "distances"]
        )
        oldest = self._clock() - self.ttl_s
        for meta, distance in zip(found["metadatas"][0], found["distances"][0], strict=True):
            similarity = 1.0 - float(distance)
            if similarity < self.threshold:
                break  # nearest first: the rest are further away
            if (
                meta["context"] == context
                and meta["facts"] == facts.key
                and meta["epoch"] == self._epoch
                and float(meta["created"]) >= oldest
            ):
                return Hit(json.loads(str(meta["response"])), similarity, str(meta.get("question", "")))
        return None

    def store(self, context: str, question: str, response: dict[str, Any], vector: list[float] | None = None) -> None:
        facts = facts_of(question)
        vector = vector or self.encode([question])[0]
        meta: dict[str, Any] = {
            "context": context,
            "facts": facts.key,
            "epoch": self._epoch,
            "created": self._clock(),
            "response": json.dumps(response),
            "question": question,
        }
        for namespace in facts.namespaces:
            meta[f"ns_{namespace}"] = True
        with self._lock:
            self._collection.add(ids=[uuid.uuid4().hex], embeddings=[vector], documents=[question], metadatas=[meta])

    def add_many(self, rows: list[tuple[str, str, dict[str, Any], list[float]]]) -> None:
        """Bulk insert (benchmarks, warm-up): (context, question, response, vector)."""
        for start in range(0, len(rows), 5000):
            batch = rows[start : start + 5000]
            self._collection.add(
                ids=[uuid.uuid4().hex for _ in batch],
                embeddings=[r[3] for r in batch],
                documents=[r[1] for r in batch],
                metadatas=[
                    {
                        "context": r[0],
                        "facts": facts_of(r[1]).key,
                        "epoch": self._epoch,
                        "created": self._clock(),
                        "response": json.dumps(r[2]),
                    }
                    for r in batch
                ],
            )

    # -- invalidation --------------------------------------------------------------------------
    def invalidate(self, namespace: str | None = None) -> int:
        """Forget answers about `namespace` (all answers when None). Returns entries dropped."""
        with self._lock:
            if namespace is None:
                dropped = self._collection.count()
                self._epoch += 1
                self._save_epoch()
                self._collection.delete(where={"epoch": {"$lt": self._epoch}})
                return int(dropped)
            where = {f"ns_{namespace}": True}
            ids = self._collection.get(where=where, include=[])["ids"]
            if ids:
                self._collection.delete(ids=ids)
            return len(ids)

    def count(self) -> int:
        return int(self._collection.count())

    def _stored_epoch(self) -> int:
        return int((self._collection.metadata or {}).get("epoch", 0))

    def _save_epoch(self) -> None:
        meta = {k: v for k, v in (self._collection.metadata or {}).items() if not k.startswith("hnsw:")}
        self._collection.modify(metadata={**meta, "epoch": self._epoch})
