"""The seed article's `SemanticCache`, as its sketch describes, to measure against.

A dict from the embedding (as a tuple) to the response; `get` encodes the query and scans every
entry with a dot product, returning the first above the threshold (0.95 in the sketch). Only the
encoder is injected (the sketch loads all-MiniLM-L6-v2 from the hub, which cannot run here) and
`get_vector` / `set_vector` take a ready vector so the scan is timed without the shared encoding
cost. It is a baseline, not opsgraph code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class SeedSemanticCache:
    def __init__(self, encode: Callable[[str], Any] | None = None, similarity_threshold: float = 0.95) -> None:
        self.encoder = encode
        self.cache: dict[tuple[float, ...], Any] = {}  # embedding -> response
        self.threshold = similarity_threshold

    def get(self, query: str) -> Any:
        assert self.encoder is not None
        return self.get_vector(self.encoder(query))

    def get_vector(self, query_embedding: Any) -> Any:
        for cached_embedding, response in self.cache.items():
            similarity = np.dot(query_embedding, cached_embedding)
            if similarity > self.threshold:
                return response
        return None

    def set(self, query: str, response: Any) -> None:
        assert self.encoder is not None
        self.set_vector(self.encoder(query), response)

    def set_vector(self, embedding: Any, response: Any) -> None:
        self.cache[tuple(embedding)] = response
