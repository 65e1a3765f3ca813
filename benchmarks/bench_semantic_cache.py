"""Semantic cache lookup at 10k and 100k entries: opsgraph's gateway cache (chromadb HNSW with
the facts guard as a where filter) vs the seed's linear-scan SemanticCache, on the same vectors.

Vectors are random unit vectors (384 dims, MiniLM's size), the worst case for an ANN index; all
entries share one context and one set of facts, so the where filter narrows nothing and the
index does all the work. Queries are stored vectors plus small noise (hits) and fresh random
vectors (misses). Encoding the query (MiniLM, the same for both) is timed separately.
Targets (issue 16): >= 100x the baseline and < 5 ms p50 at 100k.

    .venv/bin/python benchmarks/bench_semantic_cache.py [--sizes 10000,100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stats import summary_ms, write_results
from seed_baselines.semantic_cache import SeedSemanticCache

DIM = 384
QUESTION = "what is the status of the cluster"


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def main() -> int:
    from opsgraph.serving.gateway.cache import SemanticCache

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    results: dict[str, object] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        vectors = unit(rng, size)
        with tempfile.TemporaryDirectory() as tmp:
            cache = SemanticCache(Path(tmp), encode=lambda texts: [], threshold=0.9, ttl_s=86400)
            started = time.perf_counter()
            cache.add_many([("ctx", QUESTION, {"i": i}, vectors[i].tolist()) for i in range(size)])
            build_s = time.perf_counter() - started
            picks = rng.integers(0, size, args.queries)
            near = vectors[picks] + 0.01 * unit(rng, args.queries)
            near /= np.linalg.norm(near, axis=1, keepdims=True)
            queries = [q.tolist() for q in near] + [q.tolist() for q in unit(rng, args.queries)]
            ours, found = [], 0
            for q in queries:
                t = time.perf_counter()
                hit = cache.lookup("ctx", QUESTION, q)
                ours.append(time.perf_counter() - t)
                found += hit is not None
            correct = sum(
                1 for i, q in zip(picks, queries[: args.queries], strict=True)
                if (h := cache.lookup("ctx", QUESTION, q)) is not None and h.response["i"] == int(i)
            )  # fmt: skip
        seed = SeedSemanticCache(similarity_threshold=0.9)
        for i in range(size):
            seed.set_vector(vectors[i], {"i": i})
        base = []
        for q in [np.asarray(q) for q in queries[args.queries : args.queries + args.baseline_queries]]:
            t = time.perf_counter()
            seed.get_vector(q)  # a miss scans everything: the seed's worst and commonest case
            base.append(time.perf_counter() - t)
        ours_ms, base_ms = summary_ms(ours), summary_ms(base)
        ratio = base_ms["p50_ms"] / ours_ms["p50_ms"]
        results[str(size)] = {
            "opsgraph": ours_ms,
            "seed_linear_scan_miss": base_ms,
            "ratio_p50": round(ratio, 1),
            "build_s": round(build_s, 1),
            "hits_found": f"{correct}/{args.queries} near-duplicates returned their own entry",
            "misses_answered": found - correct,
        }
        print(
            f"{size:>7} entries: opsgraph p50 {ours_ms['p50_ms']} ms p99 {ours_ms['p99_ms']} ms | seed scan p50 "
            f"{base_ms['p50_ms']} ms | {ratio:.0f}x | {correct}/{args.queries} hits right | build {build_s:.0f}s",
            flush=True,
        )
    from opsgraph.tools.runbooks.embedding import embedder

    encode = embedder().encode
    encode(["warm"])
    timings = []
    for i in range(50):
        t = time.perf_counter()
        encode([f"what is the status of checkout number {i} in prod"])
        timings.append(time.perf_counter() - t)
    results["query_encoding_minilm"] = summary_ms(timings)
    print(f"query encoding (MiniLM, both caches pay it): p50 {results['query_encoding_minilm']['p50_ms']} ms")
    write_results("semantic_cache", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
