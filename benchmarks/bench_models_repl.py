"""REPL message to reply on the demo model (issue 13): how long a person waits in `opsgraph chat`
between pressing Enter on a message about the demo model and seeing the rendered reply.

    .venv/bin/python benchmarks/bench_models_repl.py [--cold 5] [--warm 20] [--think 0,4]

Set-up, as `make demo` has it: the sandbox (`opsgraph sandbox`, its own process) and the registry
seeded by `opsgraph models demo` (MLflow on SQLite in a fresh state directory: fraud-detector with
two versions and a drifted current batch). Three messages, each checked to plan the expected tools:

- "is fraud-detection still ok?"          -> model_status + drift_check (data checks, drift, report)
- "show model fraud-detection"            -> model_status
- "check drift for fraud-detection"       -> drift_check

Cold: the first message of a fresh `opsgraph chat` process (the agent built, the prompt shown; the
imports of mlflow, scipy and the kubernetes client are paid by that message unless the REPL's
warm-up loaded them while the person typed), once per process, `--cold` processes per message, per
think time (`--think`: seconds between the prompt appearing and the message being sent; 0 is a
message pasted at once) and with the warm-up on and off (`run_repl(warm=())`, the REPL before it).
Disk caches (the planner's trained classifier, the reference artifact downloaded once) are warm:
one unrecorded process fills them first, as any earlier session would. Warm: the same REPL process
after its first turn, `--warm` turns per message.

The REPL is `channels.repl.run_repl` with a scripted prompt session: a turn is the time from the
session handing the message over to the REPL asking for the next one (planner, graph, guards,
audit, tools, rendering to a console). `prompt_s` is the time from `run_repl` being called to the
first prompt: the warm-up must not delay it.

Named baselines:
- tools direct: the same tool calls through the registry (no REPL, no planner, no graph), cold in a
  fresh process and warm;
- seed sketch (the seed article's monitoring stage, for the drift messages): MlflowClient finds the
  champion, downloads its reference data, and plain Evidently 0.7 `Report([DataDriftPreset()])
  .run(current, reference)` decides dataset drift.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _stats import percentile, write_results

MODEL = "fraud-detector"
# message -> the tool calls the planner must make for it (the tools-direct baseline makes the same)
MESSAGES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "is fraud-detection still ok?": [("model_status", {"model": MODEL}), ("drift_check", {"model": MODEL})],
    "show model fraud-detection": [("model_status", {"model": MODEL})],
    "check drift for fraud-detection": [("drift_check", {"model": MODEL})],
}
SHORT = {"is fraud-detection still ok?": "still ok", "show model fraud-detection": "status",
         "check drift for fraud-detection": "drift"}  # fmt: skip


# -- children (each measurement that must start cold runs in its own process) ---------------------
def child_repl(first: str, warm: int, think: float = 0.0, warmup: bool = True) -> dict[str, Any]:
    import io

    started = time.perf_counter()
    from rich.console import Console

    from opsgraph.agent.service import Agent
    from opsgraph.agent.settings import Settings
    from opsgraph.channels.repl import WARM_IMPORTS, run_repl

    agent = Agent(Settings())
    start_s = time.perf_counter() - started
    script = [first] + [m for _ in range(warm) for m in MESSAGES]
    seen: list[dict[str, Any]] = []
    handle = agent.handle

    def recording(request: Any, *args: Any, **kwargs: Any) -> Any:
        result = handle(request, *args, **kwargs)
        seen.append({"status": result.status, "tools": [c["name"] for c in result.tool_calls], "reply": result.reply})
        return result

    agent.handle = recording
    asked: list[float] = []  # when the REPL asked for a message
    sent: list[float] = []  # when the message was handed over

    class Session:
        def prompt(self, _text: str) -> str:
            asked.append(time.perf_counter())
            if len(asked) > len(script):
                raise EOFError
            if len(asked) == 1 and think > 0:
                time.sleep(think)
            sent.append(time.perf_counter())
            return script[len(asked) - 1]

    out = io.StringIO()
    called = time.perf_counter()
    run_repl(agent, session=Session(), console=Console(file=out, width=120), warm=WARM_IMPORTS if warmup else ())
    agent.close()
    turns = [b - a for a, b in zip(sent, asked[1:], strict=True)]
    for message, outcome in zip(script, seen, strict=True):
        expected = [name for name, _ in MESSAGES[message]]
        if outcome["status"] != "done" or outcome["tools"] != expected:
            raise SystemExit(f"{message!r} planned {outcome['tools']} ({outcome['status']}): {outcome['reply'][:200]}")
    return {"start_s": start_s, "prompt_s": asked[0] - called,
            "turns": [{"message": m, "s": s} for m, s in zip(script, turns, strict=True)]}  # fmt: skip


def child_tools(first: str, warm: int) -> dict[str, Any]:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.registry import load_builtin_tools

    registry = load_builtin_tools()
    ctx = ToolContext(Settings(), actor="bench")
    script = [first] + [m for _ in range(warm) for m in MESSAGES]
    turns = []
    for message in script:
        started = time.perf_counter()
        for name, args in MESSAGES[message]:
            result = registry.call(name, args, ctx)
            if result.status != "ok":
                raise SystemExit(f"{name} failed: {result.text}")
        turns.append({"message": message, "s": time.perf_counter() - started})
    return {"turns": turns}


def child_seed(warm: int) -> dict[str, Any]:
    """The seed's monitoring stage on the demo model, with MLflow 3 aliases for its stages."""
    started = time.perf_counter()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset
    from mlflow import MlflowClient

    from opsgraph.agent.settings import Settings
    from opsgraph.tools.models.settings import default_tracking_uri

    uri = default_tracking_uri(Settings().state_dir)
    turns, verdicts = [], []
    for _ in range(1 + warm):
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        champion = client.get_model_version_by_alias(MODEL, "champion")
        current_path = client.get_registered_model(MODEL).tags["opsgraph.current_data"]
        with tempfile.TemporaryDirectory() as tmp:
            reference = pd.read_csv(client.download_artifacts(str(champion.run_id), "data/reference.csv", tmp))
        current = pd.read_csv(current_path)
        features = json.loads(champion.tags["opsgraph.features"])
        snapshot = Report([DataDriftPreset()]).run(current[features], reference[features])
        counts = [m for m in snapshot.dict()["metrics"] if m["metric_name"].startswith("DriftedColumnsCount")]
        if not counts:
            raise SystemExit("Evidently's report has no DriftedColumnsCount metric")
        verdicts.append(float(counts[0]["value"]["share"]) >= 0.5)  # the preset's dataset drift rule
        turns.append({"message": "seed sketch", "s": time.perf_counter() - started})
        started = time.perf_counter()
    return {"turns": turns, "dataset_drift": verdicts}


def run_child(
    kind: str, env: dict[str, str], *, first: str = "", warm: int = 0, think: float = 0.0, warmup: bool = True
) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--first", first, "--warm", str(warm), "--think", str(think)]
        + ([] if warmup else ["--no-warmup"]),
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the {kind} child failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the run ---------------------------------------------------------------------------------------
def summary(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50_s": round(percentile(samples, 50), 4), "p99_s": round(percentile(samples, 99), 4),
            "max_s": round(max(samples), 4)}  # fmt: skip


def by_message(runs: list[dict[str, Any]], *, skip_first: bool) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for run in runs:
        for turn in run["turns"][1 if skip_first else 0 :]:
            found.setdefault(turn["message"], []).append(turn["s"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per message")
    parser.add_argument("--warm", type=int, default=20, help="warm turns per message")
    parser.add_argument("--think", default="0,4", help="seconds before the first message is sent, comma-separated")
    parser.add_argument("--child", choices=("repl", "tools", "seed"), help=argparse.SUPPRESS)
    parser.add_argument("--first", default="", help=argparse.SUPPRESS)
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        if opts.child == "repl":
            outcome = child_repl(opts.first, opts.warm, float(opts.think), warmup=not opts.no_warmup)
        else:
            outcome = child_tools(opts.first, opts.warm) if opts.child == "tools" else child_seed(opts.warm)
        print(json.dumps(outcome))
        return
    try:
        thinks = [float(t) for t in opts.think.split(",")]
    except ValueError:
        raise SystemExit(f"--think takes seconds separated by commas (e.g. 0,4), not {opts.think!r}") from None

    from bench_agent_overhead import sandbox_process

    tmp = Path(tempfile.mkdtemp(prefix="opsgraph-bench-models-"))
    loads: dict[str, tuple[float, float, float]] = {"start": os.getloadavg()}
    with sandbox_process(tmp / "sandbox-state") as kubeconfig:
        env = {**os.environ, "OPSGRAPH_STATE_DIR": str(tmp / "state"), "OPSGRAPH_CLUSTER": "kubeconfig",
               "OPSGRAPH_KUBECONFIG": str(kubeconfig), "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1",
               "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}  # fmt: skip
        seeded = subprocess.run([str(Path(sys.executable).parent / "opsgraph"), "models", "demo"], env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        if seeded.returncode != 0:
            raise SystemExit(f"seeding the demo models failed:\n{seeded.stderr[-2000:]}")
        messages = list(MESSAGES)
        run_child("repl", env, first=messages[0], warm=1)  # fills the disk caches; not recorded
        cold_repl: dict[tuple[float, bool], list[dict[str, Any]]] = {(t, w): [] for t in thinks for w in (False, True)}
        cold_tools = []
        for _ in range(opts.cold):  # interleaved, so both REPLs meet the same machine load
            for message in messages:
                for think, warmup in cold_repl:
                    cold_repl[think, warmup].append(run_child("repl", env, first=message, think=think, warmup=warmup))
                cold_tools.append(run_child("tools", env, first=message))
        cold_seed = [run_child("seed", env) for _ in range(opts.cold)]
        loads["after_cold"] = os.getloadavg()
        warm_repl = run_child("repl", env, first=messages[0], warm=opts.warm)
        warm_tools = run_child("tools", env, first=messages[0], warm=opts.warm)
        warm_seed = run_child("seed", env, warm=max(3, opts.warm // 4))
        loads["after_warm"] = os.getloadavg()

    first = (thinks[0], True)
    cold = {"repl": by_message(cold_repl[first], skip_first=False), "tools": by_message(cold_tools, skip_first=False)}
    warm = {"repl": by_message([warm_repl], skip_first=True), "tools": by_message([warm_tools], skip_first=True)}
    seed_cold = [r["turns"][0]["s"] for r in cold_seed]
    seed_warm = [t["s"] for t in warm_seed["turns"][1:]]
    all_cold = [r for runs in cold_repl.values() for r in runs]
    start_s = [r["start_s"] for r in all_cold]
    prompt_s = {
        w: [r["prompt_s"] for (_, on), runs in cold_repl.items() if on == w for r in runs] for w in (False, True)
    }
    rows: dict[str, Any] = {}
    print(f"REPL message -> rendered reply on the demo model ({MODEL}); load average {loads}")
    print(f"agent start-up before the first prompt (not in the turns): p50 {percentile(start_s, 50):.2f} s; "
          f"run_repl to the prompt p50 {percentile(prompt_s[False], 50) * 1000:.0f} ms without the warm-up, "
          f"{percentile(prompt_s[True], 50) * 1000:.0f} ms with it\n")  # fmt: skip
    print("first turn of a fresh REPL (cold), by think time, without / with the warm-up:")
    print(f"{'message':<38} {'think':>6} {'before p50':>11} {'max':>7} {'warm-up p50':>12} {'max':>7} {'ratio':>6}")
    for message in messages:
        rows[message] = {"cold_by_think": {}}
        for think in thinks:
            off = summary(by_message(cold_repl[think, False], skip_first=False)[message])
            on = summary(by_message(cold_repl[think, True], skip_first=False)[message])
            ratio = on["p50_s"] / off["p50_s"]
            rows[message]["cold_by_think"][f"{think:g}s"] = {
                "no_warmup": off,
                "warmup": on,
                "ratio_p50": round(ratio, 2),
            }
            print(f"{message:<38} {think:>5g}s {off['p50_s']:>10.3f}s {off['max_s']:>6.3f}s "
                  f"{on['p50_s']:>11.3f}s {on['max_s']:>6.3f}s {ratio:>5.2f}x")  # fmt: skip
    print(f"\nwith the warm-up, think {thinks[0]:g}s (cold) and the same process after its first turn (warm):")
    print(f"{'message':<38} {'':>5} {'REPL p50':>9} {'p99':>7} {'tools p50':>10} {'p99':>7} {'ratio':>6}")
    for message in messages:
        for phase, data in (("cold", cold), ("warm", warm)):
            repl, tools = summary(data["repl"][message]), summary(data["tools"][message])
            rows[message][phase] = {
                "repl": repl,
                "tools_direct": tools,
                "ratio_p50": round(repl["p50_s"] / tools["p50_s"], 2),
            }
            ratio = repl["p50_s"] / tools["p50_s"]
            print(f"{message:<38} {phase:>5} {repl['p50_s']:>8.3f}s {repl['p99_s']:>6.3f}s "
                  f"{tools['p50_s']:>9.3f}s {tools['p99_s']:>6.3f}s {ratio:>5.2f}x")  # fmt: skip
    seed = {"cold": summary(seed_cold), "warm": summary(seed_warm)}
    print(f"\nseed sketch (MlflowClient + plain Evidently, drift verdict): cold p50 {seed['cold']['p50_s']:.3f} s, "
          f"warm p50 {seed['warm']['p50_s']:.3f} s, p99 {seed['warm']['p99_s']:.3f} s")  # fmt: skip
    for message in (messages[0], messages[2]):
        for phase in ("cold", "warm"):
            ours = rows[message][phase]["repl"]["p50_s"]
            print(f"  {SHORT[message]!r} {phase} in the REPL vs the seed sketch: {ours / seed[phase]['p50_s']:.2f}x")
    path = write_results("models_repl", {
        "model": MODEL, "cold_processes": opts.cold, "warm_turns": opts.warm, "think_s": thinks, "load_average": loads,
        "agent_start_s": summary(start_s), "prompt_s": {"no_warmup": summary(prompt_s[False]),
                                                        "warmup": summary(prompt_s[True])},
        "messages": rows, "seed_sketch": seed,
    })  # fmt: skip
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
