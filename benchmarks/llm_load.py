"""Load generator for any OpenAI-compatible chat endpoint (vLLM, the opsgraph gateway): tokens/s
and latency (first token, whole answer) against concurrency. Bounded: `--requests` per level and
`--max-seconds` overall; it stops by itself. Point it only at servers you run.

    .venv/bin/python benchmarks/llm_load.py --url http://127.0.0.1:8000/v1 --model Qwen/Qwen2.5-7B-Instruct-AWQ \\
        --concurrency 1,4,16 --requests 32
    .venv/bin/python benchmarks/llm_load.py --self-test     # against the local fake vLLM server
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stats import percentile, write_results

PROMPTS = (
    "status of checkout in prod",
    "why did payments restart three times tonight?",
    "summarise the firing alerts in prod for the incident channel",
    "scale cart in staging to 4 replicas",
)


def one_request(client: httpx.Client, url: str, model: str, prompt: str, max_tokens: int) -> dict[str, Any]:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0.7,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    with client.stream("POST", url + "/chat/completions", json=body) as r:
        if r.status_code != 200:
            r.read()
            return {"ok": False, "status": r.status_code}
        for line in r.iter_lines():
            if not line.startswith("data:") or line.strip() == "data: [DONE]":
                continue
            chunk = json.loads(line[5:])
            if chunk.get("usage"):
                tokens = int(chunk["usage"].get("completion_tokens") or tokens)
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if first is None and (delta.get("content") or delta.get("tool_calls")):
                    first = time.perf_counter() - started
    return {"ok": True, "latency": time.perf_counter() - started, "first": first, "tokens": tokens}


def level(url: str, model: str, concurrency: int, requests: int, max_tokens: int, deadline: float) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    with httpx.Client(timeout=120, headers={"Authorization": "Bearer EMPTY"}) as client:

        def work(i: int) -> None:
            if time.monotonic() > deadline:
                return
            try:
                out = one_request(client, url, model, PROMPTS[i % len(PROMPTS)], max_tokens)
            except httpx.HTTPError as exc:
                out = {"ok": False, "error": str(exc)}
            with lock:
                results.append(out)

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(work, range(requests)))
        wall = time.perf_counter() - started
    ok = [r for r in results if r["ok"]]
    latencies = [r["latency"] for r in ok]
    firsts = [r["first"] for r in ok if r["first"] is not None]
    tokens = sum(r["tokens"] for r in ok)
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "errors": len(results) - len(ok),
        "tokens_per_s": round(tokens / wall, 1) if wall else 0.0,
        "requests_per_s": round(len(ok) / wall, 2) if wall else 0.0,
        "latency_p50_s": round(percentile(latencies, 50), 4),
        "latency_p99_s": round(percentile(latencies, 99), 4),
        "first_token_p50_s": round(percentile(firsts, 50), 4) if firsts else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000/v1")
    parser.add_argument("--model", default="Qwen/Qwen2.5-7B-Instruct-AWQ")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--requests", type=int, default=32, help="requests per concurrency level")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--self-test", action="store_true", help="run against the local fake vLLM server")
    args = parser.parse_args()
    fake = None
    if args.self_test:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.support.fake_vllm import FakeVLLM, say

        fake = FakeVLLM([], default=say("checkout has three ready pods and no alerts " * 4), token_delay_s=0.002)
        fake.__enter__()
        args.url, args.model = fake.base_url, fake.model
    deadline = time.monotonic() + args.max_seconds
    rows = []
    try:
        for c in [int(x) for x in args.concurrency.split(",")]:
            row = level(args.url, args.model, c, args.requests, args.max_tokens, deadline)
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if fake is not None:
            fake.stop()
    write_results("llm_load_self_test" if args.self_test else "llm_load", {"url": args.url, "levels": rows})
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
