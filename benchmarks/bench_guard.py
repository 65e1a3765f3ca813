"""Guardrail speed (injection scan, secret redaction) and injection accuracy against a named baseline.

    .venv/bin/python benchmarks/bench_guard.py [--repeat 5] [--no-write]

Named baseline: the seed article's `detect_prompt_injection`, implemented faithfully below (its
five regular expressions over the lower-cased message, True on any match). Both detectors score
the same mixed message set after load (ops commands, ordinary questions, attacks, alert text,
logs, and the public prompts of ../shared/data/injection when present). Printed: p50/p99 latency
per message, throughput, speed ratios (ours / baseline), and, with the public data, both
detectors' balanced accuracy, over-defense accuracy and ops commands blocked.
Target: our scan p50 < 1 ms per message.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _stats import percentile, summary_ms, write_results

# --- the seed article's detector (baseline) -------------------------------------------------
SEED_PATTERNS = [
    r"ignore (all )?(previous|prior|above) instructions",
    r"disregard (the )?(system|initial) prompt",
    r"you are now",
    r"new instruction:",
    r"```system",
]


def detect_prompt_injection(text: str) -> bool:
    """Seed baseline: True when any of the five patterns matches the lower-cased text."""
    lowered = text.lower()
    return any(re.search(pattern, lowered) for pattern in SEED_PATTERNS)


# --- the message set ------------------------------------------------------------------------
def messages() -> list[str]:
    from opsgraph.evals.base import shared_data_dir
    from tests.guardrails.injection_cases import (
        MUST_BLOCK_CHAT,
        MUST_BLOCK_UNTRUSTED,
        MUST_PASS_GENERAL,
        MUST_PASS_OPS,
        MUST_PASS_UNTRUSTED,
    )

    texts = MUST_PASS_OPS + MUST_PASS_GENERAL + [t for _, t in MUST_BLOCK_CHAT]
    texts += [t for _, t in MUST_BLOCK_UNTRUSTED + MUST_PASS_UNTRUSTED]
    data = shared_data_dir()
    if data is not None and (data / "injection").is_dir():
        from opsgraph.evals.injection import data as public

        root = data / "injection"
        texts += [s.text for s in public.valid(root) + public.not_inject(root)]
    return texts


def timed(fn: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    for text in texts:  # warm-up: caches, lazy regex compilation
        fn(text)
    samples: list[float] = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            fn(text)
            samples.append(time.perf_counter() - start)
    return samples


def speed(name: str, samples: list[float]) -> dict[str, float]:
    stats = summary_ms(samples)
    stats["per_second"] = round(len(samples) / sum(samples))
    print(
        f"  {name:<34} p50 {stats['p50_ms']:8.3f} ms   p99 {stats['p99_ms']:8.3f} ms   {stats['per_second']:>9,} msg/s"
    )
    return stats


def accuracy() -> dict[str, dict[str, float]] | None:
    from opsgraph.evals.base import shared_data_dir
    from opsgraph.evals.injection import evaluate
    from opsgraph.guardrails.injection import scan

    data = shared_data_dir()
    if data is None or not (data / "injection").is_dir():
        print("\n(no ../shared/data/injection: accuracy comparison skipped)")
        return None
    result: dict[str, dict[str, float]] = {}
    for name, predict in (
        ("opsgraph", lambda t: scan(t).injection),
        ("seed baseline", detect_prompt_injection),
    ):
        report = evaluate(data / "injection", predict)
        result[name] = {m.name: round(m.value, 4) for m in report.metrics}
    names = list(next(iter(result.values())))
    print(f"\naccuracy on ../shared/data/injection\n  {'metric':<30} {'opsgraph':>10} {'seed baseline':>14}")
    for metric in names:
        print(f"  {metric:<30} {result['opsgraph'][metric]:>10.4f} {result['seed baseline'][metric]:>14.4f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the message set")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/guard.json")
    args = parser.parse_args()

    from opsgraph.guardrails.injection import default_detector, scan, scan_untrusted
    from opsgraph.guardrails.redaction import redact

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    default_detector()
    load_s = time.perf_counter() - started
    texts = messages()
    print(
        f"{len(texts)} messages x {args.repeat} passes; detector ready in {load_s:.2f} s (cached model, or trained)\n"
    )

    ours = speed("opsgraph scan", timed(scan, texts, args.repeat))
    untrusted = speed("opsgraph scan_untrusted", timed(lambda t: scan_untrusted(t, "log"), texts, args.repeat))
    seed = speed("seed detect_prompt_injection", timed(detect_prompt_injection, texts, args.repeat))
    redaction = speed("opsgraph redact", timed(redact, texts + _secret_texts(), args.repeat))
    ratio = ours["p50_ms"] / seed["p50_ms"]
    print(
        f"\n  scan p50 is {ratio:.1f}x the seed baseline's; throughput {ours['per_second'] / seed['per_second']:.3f}x"
    )
    print(f"  target scan p50 < 1 ms: {'met' if ours['p50_ms'] < 1.0 else 'MISSED'} ({ours['p50_ms']:.3f} ms)")
    short_texts = [t for t in texts if len(t) <= 500]
    short = timed(scan, short_texts, args.repeat)
    print(f"  messages <= 500 chars (n={len(short_texts)}): {len(short) / sum(short):,.0f} msg/s")
    long_texts = [t for t in texts if len(t) > 2000]
    if long_texts:
        samples = timed(scan, long_texts, args.repeat)
        print(f"  long messages (> 2000 chars, n={len(long_texts)}): p50 {percentile(samples, 50) * 1000:.2f} ms")

    scores = accuracy()
    load_after = os.getloadavg()[0]
    print(f"\nload average (1 min) {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cpus")
    if not args.no_write:
        path = write_results(
            "guard",
            {
                "messages": len(texts),
                "load_s": round(load_s, 3),
                "scan": ours,
                "scan_untrusted": untrusted,
                "seed_baseline": seed,
                "redact": redaction,
                "scan_p50_ratio_vs_seed": round(ratio, 2),
                "accuracy": scores,
                "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
            },
        )
        print(f"\nwrote {path}")


def _secret_texts() -> list[str]:
    return [
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "postgres://app:s3cr3t@db.internal:5432/app and Authorization: Bearer abcdef0123456789abcdef",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n",
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "github ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ in the CI logs of checkout-7d9f8b6c5-x2kq9",
    ] * 10


if __name__ == "__main__":
    main()
