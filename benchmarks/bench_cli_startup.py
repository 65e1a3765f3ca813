"""CLI start-up: `opsgraph --help`, against two named baselines.

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs 20]

- `python -c pass`: the interpreter alone, the floor no CLI can beat;
- eager imports: what start-up would cost if the CLI imported the agent stack (langgraph, the
  kubernetes client, pydantic-settings) at module level, as a naive CLI does.
Target: `opsgraph --help` < 0.5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _stats import summary_ms, write_results

BIN = Path(sys.executable).parent
EAGER = "import opsgraph.channels.cli, opsgraph.agent.service, opsgraph.agent.graph, kubernetes.client"


def timed(command: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "opsgraph --help": [str(BIN / "opsgraph"), "--help"],
        "eager imports (naive CLI)": [sys.executable, "-c", EAGER],
    }
    results = {name: summary_ms(timed(cmd, runs)) for name, cmd in cases.items()}
    ours = results["opsgraph --help"]
    print(f"{'command':<28} {'p50 ms':>9} {'p99 ms':>9}")
    for name, r in results.items():
        print(f"{name:<28} {r['p50_ms']:>9.1f} {r['p99_ms']:>9.1f}")
    eager = results["eager imports (naive CLI)"]["p50_ms"]
    floor = results["python -c pass (floor)"]["p50_ms"]
    print(
        f"\nopsgraph --help p50 {ours['p50_ms']:.0f} ms: {eager / ours['p50_ms']:.1f}x faster than eager imports, "
        f"{ours['p50_ms'] / floor:.1f}x the bare interpreter; target < 500 ms: "
        f"{'met' if ours['p50_ms'] < 500 else 'MISSED'}"
    )
    write_results("cli_startup", {"runs": runs, "results": results, "target_ms": 500})


if __name__ == "__main__":
    main()
