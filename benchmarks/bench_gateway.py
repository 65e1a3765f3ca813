"""Gateway overhead per request vs calling the model server directly (target < 5% of a short
completion's latency), with the cache off (proxy, limits, injection scan, metrics) and on (plus
MiniLM encoding, lookup and store on each miss), and the latency of a cache hit.

The model server is the local fake vLLM answering a short completion: 24 tokens at 20 ms each
(~0.5 s, about what a 7B AWQ model streams per request under light load). Each request carries
a distinct question so the cache-on run measures misses.

    .venv/bin/python benchmarks/bench_gateway.py [--requests 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))
from _stats import summary_ms, write_results  # noqa: E402

ANSWER = " ".join(["word"] * 24)


def timed(url: str, model: str, texts: list[str]) -> list[float]:
    out = []
    with httpx.Client(timeout=60) as client:
        for text in texts:
            body = {"model": model, "messages": [{"role": "user", "content": text}]}
            t = time.perf_counter()
            r = client.post(url + "/chat/completions", json=body)
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
    return out


def main() -> int:
    from opsgraph.serving.gateway.app import GatewayConfig
    from opsgraph.serving.gateway.routing import Upstream
    from opsgraph.serving.gateway.server import GatewayServer
    from tests.support.fake_vllm import FakeVLLM, say

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    texts = [f"status of service-{i} in prod" for i in range(args.requests)]
    results: dict[str, object] = {}
    with FakeVLLM([], default=say(ANSWER), token_delay_s=0.02) as fake:
        timed(fake.base_url, fake.model, texts[:3])
        direct = timed(fake.base_url, fake.model, texts)
        results["direct"] = summary_ms(direct)
        for name, cache in (("gateway_cache_off", False), ("gateway_cache_miss", True)):
            config = GatewayConfig(upstreams=[Upstream("default", fake.base_url)], cache=cache, cache_path=None)
            with GatewayServer(config) as server:
                timed(server.base_url, fake.model, [f"warm {i}" for i in range(3)])
                through = timed(server.base_url, fake.model, [t + f" ({name})" for t in texts])
                results[name] = summary_ms(through)
                if cache:
                    hits = timed(server.base_url, fake.model, [t + f" ({name})" for t in texts])
                    results["gateway_cache_hit"] = summary_ms(hits)
    base = results["direct"]["p50_ms"]  # type: ignore[index]
    for name in ("gateway_cache_off", "gateway_cache_miss"):
        p50 = results[name]["p50_ms"]  # type: ignore[index]
        results[name]["overhead_ms"] = round(p50 - base, 2)  # type: ignore[index]
        results[name]["overhead_pct"] = round(100 * (p50 - base) / base, 2)  # type: ignore[index]
        print(f"{name}: p50 {p50} ms vs direct {base} ms: +{p50 - base:.1f} ms ({100 * (p50 - base) / base:.1f}%)")
    print(f"cache hit: p50 {results['gateway_cache_hit']['p50_ms']} ms")  # type: ignore[index]
    write_results("gateway", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
