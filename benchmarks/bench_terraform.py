"""Natural language to Terraform: time per request (generate + init + validate + plan + checks).

    .venv/bin/python benchmarks/bench_terraform.py [--repeats 2] [--out benchmarks/results/terraform.json]
    .venv/bin/python benchmarks/bench_terraform.py --eval-batch 4   # the IaC-Eval batch path (eval_batch)

opsgraph (the default path): the provider workspace is initialised once (each request links it
instead of running `terraform init`); `plan` runs against a pre-started AWS provider process
(TF_REATTACH_PROVIDERS, a fresh one per plan) and validates the configuration on its way; `show
-json` against a shared long-lived provider; checkov (a worker that imported it once) and the
Kubernetes checks run while terraform works; then our plan checks.

Named baselines, measured in the same run:
- previous: the path before attached providers (OPSGRAPH_TERRAFORM_REATTACH=false): `validate -json`
  beside `plan`, then `show -json`, each starting its own provider; checkov and the Kubernetes checks
  after terraform. Its warm requests are interleaved with ours (same load).
- naive: for each request a cold `terraform init -plugin-dir` in a fresh directory, then validate,
  plan and show one after another, the same checks, and checkov as a fresh process.

Warm: after one warm-up request in the process (provider workspace, checkov worker, provider
pool). Cold: the first request of a fresh process (`--cold MODE` in a child), with the provider
workspace and checkov's venv already on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REQUESTS = [
    "Deploy a PostgreSQL database with 3 replicas for high availability, daily backups retained for 30 days, "
    "accessible only from the backend namespace",
    "PostgreSQL 15 on RDS in eu-west-1 for prod with 2 replicas, 100 GB, backups kept 14 days, "
    "reachable from 10.20.0.0/16",
    "redis cache on aws with 3 nodes, snapshots kept 5 days, reachable from 10.0.0.0/8",
    "an s3 bucket named acme-logs-archive with objects expiring after 90 days",
    "a vpc 10.1.0.0/16 with three public subnets and an internet gateway",
]


def opsgraph_request(request: str, state: Path, settings: Any) -> dict[str, float]:
    from opsgraph.tools.terraform.pipeline import generate

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = generate(request, Path(out), settings, state)
        total = time.perf_counter() - started
    assert outcome.validation is not None and outcome.validation.valid, outcome.contract()
    return {"total": total, **outcome.validation.seconds}


def previous_request(request: str, state: Path, settings: Any) -> dict[str, float]:
    """The path before attached providers, as Validator.validate ran it: terraform (validate beside
    plan, then show, each command starting its provider), then checkov, then the other checks."""
    from opsgraph.tools.terraform.pipeline import plan_files, write_files
    from opsgraph.tools.terraform.validate import Validator, assemble

    settings = settings.model_copy(update={"reattach": False})
    validator = Validator(settings, state)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        spec, files = plan_files(request, settings)
        write_files(root, files)
        outcome = validator.runner().check(root / "terraform")
        mark = time.perf_counter()
        found, skipped = validator._checkov(root, [root])
        scanned = {"checkov": round(time.perf_counter() - mark, 3)}
        validation = assemble(root, spec, outcome, found.get(root, []), skipped, "templates", scanned)
        total = time.perf_counter() - started
    assert validation.valid, validation.contract()
    return {"total": total, **validation.seconds}


MODES = {"opsgraph": opsgraph_request, "previous": previous_request}


def agreement(tasks_file: Path, limit: int, state: Path) -> dict[str, Any]:
    """Attached vs normal path on IaC-Eval reference outputs (third-party configurations: data
    sources, other providers, errors at validate and at plan): how many verdicts agree. Prints
    counts only, never a reference."""
    from opsgraph.evals.iac.tasks import read_tasks
    from opsgraph.tools.terraform.settings import TerraformSettings
    from opsgraph.tools.terraform.tf_runner import PlanOutcome, TerraformRunner

    def verdict(o: PlanOutcome) -> tuple[object, ...]:
        changes = sorted((rc["address"], rc["change"]["actions"]) for rc in (o.plan or {}).get("resource_changes", []))
        return o.valid, o.planned, sorted({d.summary for d in o.errors}), changes

    runners = {on: TerraformRunner(TerraformSettings(checkov=False, reattach=on), state) for on in (True, False)}
    counts = {"tasks": 0, "agree": 0, "attached": 0, "planned": 0, "seconds_attached": 0.0, "seconds_normal": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for task in read_tasks(tasks_file)[:limit]:
            found = {}
            for on, runner in runners.items():
                d = Path(tmp) / f"t{task.index:04d}-{on}"
                d.mkdir()
                (d / "main.tf").write_text(task.reference, encoding="utf-8")
                mark = time.perf_counter()
                found[on] = runner.check(d)
                counts["seconds_attached" if on else "seconds_normal"] += time.perf_counter() - mark
            counts["tasks"] += 1
            counts["agree"] += verdict(found[True]) == verdict(found[False])
            counts["attached"] += "plan" in found[True].seconds and "validate+plan" not in found[True].seconds
            counts["planned"] += found[False].planned
            print(
                f"task {task.index}: {'agree' if verdict(found[True]) == verdict(found[False]) else 'DIFFER'}",
                flush=True,
            )
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in counts.items()}


def eval_batch(tasks_file: Path, repeats: int, alone: int, state: Path) -> dict[str, Any]:
    """The IaC-Eval batch path (`opsgraph eval iac`): the configurations the templates generate for
    every task they cover, planned in one batch with the provider pool (modules installed with
    `terraform get` against the warm providers, `show` attached) vs the same batch before it (`init`
    from the mirror, `show` starting its own provider), interleaved; and `alone`: the first few
    configurations each through the attached single-request path, for the time per task of
    planning them one by one. Counts and times only; no prompt is printed."""
    from opsgraph.evals.iac.rego import evaluate
    from opsgraph.evals.iac.tasks import read_tasks
    from opsgraph.tools.terraform.parse import SpecQuestion, Unsupported, parse_request
    from opsgraph.tools.terraform.render import render
    from opsgraph.tools.terraform.settings import TerraformSettings
    from opsgraph.tools.terraform.tf_batch import check_many
    from opsgraph.tools.terraform.tf_runner import TerraformRunner

    tasks = {t.index: t for t in read_tasks(tasks_file)}
    runners = {
        m: TerraformRunner(TerraformSettings(checkov=False, reattach=m == "pool"), state) for m in ("pool", "previous")
    }
    rows: list[dict[str, Any]] = []
    verdicts: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        dirs: dict[str, Path] = {}
        for task in tasks.values():
            try:
                files = render(parse_request(task.prompt, platform="aws"))
            except (SpecQuestion, Unsupported):
                continue
            d = Path(tmp) / f"t{task.index:04d}"
            d.mkdir()
            for rel, text in files.items():
                if rel.startswith("terraform/"):
                    (d / Path(rel).name).write_text(text, encoding="utf-8")
            dirs[str(task.index)] = d

        def verdict(key: str, o: Any) -> object:
            return o.planned, evaluate(tasks[int(key)].intent, o.plan).holds if o.planned else None

        for rep in range(repeats):
            for mode in ("pool", "previous") if rep % 2 == 0 else ("previous", "pool"):
                load = os.getloadavg()[0]
                mark = time.perf_counter()
                out = check_many(runners[mode], dirs)
                took = time.perf_counter() - mark
                phases = next(o.seconds for o in out.values() if "batch" in o.seconds)
                rows.append({"mode": mode, "seconds": round(took, 2), "load_before": round(load, 1), **phases})
                verdicts[mode] = {k: verdict(k, o) for k, o in out.items()}
                print(json.dumps(rows[-1]), flush=True)
        one_by_one = []
        for key in list(dirs)[:alone]:
            mark = time.perf_counter()
            outcome = runners["pool"].check(dirs[key])
            one_by_one.append(time.perf_counter() - mark)
            verdicts.setdefault("alone", {})[key] = verdict(key, outcome)
    per_task = {
        m: round(statistics.median(r["seconds"] for r in rows if r["mode"] == m) / len(dirs), 3)
        for m in ("pool", "previous")
    }
    result: dict[str, Any] = {
        "configurations": len(dirs),
        "batch_seconds_per_task_median": per_task,
        "speedup_pool_vs_previous": round(per_task["previous"] / per_task["pool"], 2),
        "verdicts_agree_pool_vs_previous": sum(verdicts["pool"][k] == verdicts["previous"][k] for k in dirs),
        "runs": rows,
        "cores": os.cpu_count(),
    }
    if one_by_one:
        result["alone_attached_seconds_per_task_median"] = round(statistics.median(one_by_one), 3)
        result["alone_n"] = len(one_by_one)
        result["verdicts_agree_alone_vs_batch"] = sum(
            verdicts["alone"][k] == verdicts["pool"][k] for k in verdicts["alone"]
        )
    return result


def baseline_request(request: str, state: Path, settings: Any) -> dict[str, float]:
    """Cold init, sequential terraform commands, checkov as a fresh process."""
    from opsgraph.tools.terraform import k8s_checks, plan_checks
    from opsgraph.tools.terraform.checkov_client import SKIPPED, ensure_installed
    from opsgraph.tools.terraform.offline import make_offline
    from opsgraph.tools.terraform.pipeline import plan_files, write_files
    from opsgraph.tools.terraform.report import resource_lines
    from opsgraph.tools.terraform.validate import allowed_namespaces, expectations

    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "BC_SKIP_MAPPING": "TRUE"}
    env.pop("TF_CLI_CONFIG_FILE", None)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        spec, files = plan_files(request, settings)
        write_files(root, files)
        tf = root / "scratch"
        shutil.copytree(root / "terraform", tf)
        make_offline(tf, settings.default_region)

        def run(*argv: str) -> str:
            mark = time.perf_counter()
            done = subprocess.run([settings.binary, *argv], cwd=tf, env=env, capture_output=True, text=True, check=True)
            seconds[argv[0]] = time.perf_counter() - mark
            return done.stdout

        run("init", "-input=false", "-no-color", f"-plugin-dir={settings.mirror()}")
        run("validate", "-json", "-no-color")
        run("plan", "-input=false", "-no-color", "-lock=false", "-out=p.tfplan")
        plan = json.loads(run("show", "-json", "p.tfplan"))
        checks = plan_checks.run(plan, resource_lines(root), expectations(spec))
        if (root / "kubernetes").is_dir():
            checks += k8s_checks.run(root, allowed_namespaces(spec))
        python = ensure_installed(settings.checkov_dir(state), settings.checkov_version)
        mark = time.perf_counter()
        targets = [a for p in sorted((root / "terraform").glob("*.tf")) + sorted((root / "kubernetes").glob("*.yaml"))
                   for a in ("-f", str(p))]  # fmt: skip
        subprocess.run(
            [str(python.parent / "checkov"), *targets, "-o", "json", "--compact", "--skip-download",
             "--skip-check", ",".join(sorted(SKIPPED))],
            env=env, capture_output=True, check=False,
        )  # fmt: skip
        seconds["checkov"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started
    assert all(c.passed for c in checks)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "terraform.json")
    parser.add_argument("--cold", choices=sorted(MODES), help=argparse.SUPPRESS)  # one request, in a child
    parser.add_argument(
        "--agreement", type=int, metavar="N", help="instead: attached vs normal verdicts on N IaC-Eval references"
    )
    parser.add_argument(
        "--eval-batch", type=int, metavar="N", help="instead: the IaC-Eval batch with and without the pool, N runs"
    )
    parser.add_argument("--alone", type=int, default=8, help="with --eval-batch: configurations also planned alone")
    parser.add_argument(
        "--tasks", type=Path, default=HERE.parent.parent / "shared" / "data" / "iac_eval" / "iac_eval_dev.csv"
    )
    args = parser.parse_args()
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.terraform.settings import TerraformSettings

    settings = TerraformSettings()
    if settings.terraform_path() is None or settings.mirror() is None:
        print("terraform or its provider mirror is missing: nothing to measure")
        return 1
    state = Settings().ensure_state_dir()
    if args.agreement:
        print(json.dumps(agreement(args.tasks, args.agreement, state)))
        return 0
    if args.cold:
        print(json.dumps(MODES[args.cold](REQUESTS[0], state, settings)))
        return 0
    if args.eval_batch:
        found = eval_batch(args.tasks, args.eval_batch, args.alone, state)
        out = (
            args.out
            if args.out != HERE / "results" / "terraform.json"
            else HERE / "results" / "terraform_eval_batch.json"
        )
        out.write_text(json.dumps(found, indent=1) + "\n")
        print(json.dumps({k: v for k, v in found.items() if k != "runs"}))
        return 0
    load_before = os.getloadavg()[0]
    opsgraph_request(REQUESTS[3], state, settings)  # the workspace and checkov's venv exist before cold runs
    cold: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(2):
        for mode in MODES:
            child = subprocess.run(
                [sys.executable, __file__, "--cold", mode], capture_output=True, text=True, check=True
            )
            cold[mode].append(json.loads(child.stdout.splitlines()[-1])["total"])
            print(f"cold {mode:9s} {cold[mode][-1]:6.2f} s  {REQUESTS[0][:60]}", flush=True)
    for mode in MODES:
        MODES[mode](REQUESTS[3], state, settings)  # warm-up: provider pool, checkov worker
    warm: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(args.repeats):
        for request in REQUESTS:
            for mode, run in MODES.items():  # interleaved: both paths see the same load
                warm[mode].append(run(request, state, settings))
                print(f"{mode:9s}  {warm[mode][-1]['total']:6.2f} s  {request[:60]}", flush=True)
    base: list[dict[str, float]] = []
    for request in REQUESTS:
        base.append(baseline_request(request, state, settings))
        print(f"naive      {base[-1]['total']:6.2f} s  {request[:60]}", flush=True)
    ours, previous = warm["opsgraph"], warm["previous"]
    p50 = statistics.median(r["total"] for r in ours)
    previous_p50 = statistics.median(r["total"] for r in previous)
    base_p50 = statistics.median(r["total"] for r in base)
    result = {
        "requests": len(REQUESTS),
        "repeats": args.repeats,
        "opsgraph_p50_s": round(p50, 2),
        "opsgraph_max_s": round(max(r["total"] for r in ours), 2),
        "previous_p50_s": round(previous_p50, 2),
        "previous_max_s": round(max(r["total"] for r in previous), 2),
        "speedup_vs_previous": round(previous_p50 / p50, 2),
        "baseline_p50_s": round(base_p50, 2),
        "speedup": round(base_p50 / p50, 2),
        "cold_first_request_s": {mode: [round(x, 2) for x in xs] for mode, xs in cold.items()},
        "opsgraph_phases_mean_s": _means(ours),
        "previous_phases_mean_s": _means(previous),
        "baseline_phases_mean_s": _means(base),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "target_s": 5.0,
    }
    print(
        f"\nper request, warm: p50 {p50:.2f} s (max {result['opsgraph_max_s']} s); previous path (validate ∥ plan, "
        f"show, each starting the provider): p50 {previous_p50:.2f} s ({result['speedup_vs_previous']}x); naive "
        f"(cold init, sequential, checkov process): p50 {base_p50:.2f} s ({result['speedup']}x); cold first request: "
        f"{result['cold_first_request_s']}; target < 5 s warm: {'met' if p50 < 5 else 'NOT met'} "
        f"(load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for r in rows for k in r})
    return {k: round(statistics.mean(r[k] for r in rows if k in r), 2) for k in keys}


if __name__ == "__main__":
    sys.exit(main())
