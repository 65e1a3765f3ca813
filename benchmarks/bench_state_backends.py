"""State on SQLite vs PostgreSQL, with one and two replicas (issue 17).

    .venv/bin/python benchmarks/bench_state_backends.py [--seconds 10] [--turns 200]

Named baseline: SQLite, one replica (the embedded default). Every figure is also printed as a
ratio against it. PostgreSQL is Debian's (tests/support/postgres.py), started fresh in a temp dir
with its durable defaults (fsync on, synchronous_commit on), on the same 2-core machine as
everything else: the load generator, the replicas and the database share the two cores.

1. Webhook ingest: `opsgraph serve` processes (no Slack, no agent) receive Alertmanager webhooks
   (one alert per request) from an aiohttp client keeping 32 requests in flight, spread round
   robin over the replicas, for `--seconds`. Counted: requests answered 200 (each one committed
   before its answer), per second, and the p99 of the answer.
2. Approvals: the approval store's whole life of an approval as the executor drives it (create,
   approve, write-ahead `executing` + its audit row, `executed` + its audit row: four
   transactions on the approval, two durable audit appends) in a loop, by one or two processes
   (replicas) on the same database, for `--seconds`. This is the storage cost of an approval, not
   a click through Slack (that adds the graph, the tool and the rollout, identical on both).
3. A turn: `Agent.handle` of a read request ("status of checkout in prod") on the sandbox (its
   own process), planner brain: the p50/p99 of a whole turn (guards, plan, policy, audit rows,
   checkpoint, tool) on each backend.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from _stats import percentile, summary_ms, write_results  # noqa: E402

from tests.support.postgres import run_postgres  # noqa: E402
from tests.support.processes import free_port, stop_process  # noqa: E402

OPSGRAPH = str(Path(sys.executable).parent / "opsgraph")
IN_FLIGHT = 32


# -- 1. webhook ingest ----------------------------------------------------------------------------
@contextmanager
def replicas(count: int, env: dict[str, str], tmp: Path) -> Iterator[list[str]]:
    import httpx

    procs, urls = [], []
    try:
        for i in range(count):
            port = free_port()
            state = tmp / f"replica-{i}-{secrets.token_hex(3)}"
            state.mkdir(parents=True)
            procs.append(
                subprocess.Popen(
                    [OPSGRAPH, "serve", "--port", str(port), "--no-cluster-topology", "--log-level", "warning"],
                    env={**env, "OPSGRAPH_STATE_DIR": str(state)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"opsgraph serve at {url} did not start")
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            stop_process(proc)


def _alert(key: str) -> bytes:
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "opsgraph", "groupKey": f"g-{key}",
        "alerts": [{"status": "firing", "labels": {"alertname": "Bench", "service": f"svc-{hash(key) % 50}",
                                                    "namespace": "prod", "key": key},
                    "annotations": {"summary": "bench"}, "startsAt": "2024-05-01T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z"}],
    }).encode()  # fmt: skip


async def _flood(urls: list[str], seconds: float) -> tuple[int, int, list[float]]:
    """Closed loop: IN_FLIGHT requests outstanding at all times (aiohttp: the lightest client
    here, as in bench_receiver_storm); the first second is warm-up and not counted."""
    import aiohttp

    acked, failed, latencies = 0, 0, []
    counter = itertools.count()
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as session:
        start = time.monotonic()
        warm_until, end = start + 1.0, start + 1.0 + seconds

        async def worker(slot: int) -> None:
            nonlocal acked, failed
            url = urls[slot % len(urls)] + "/webhooks/alertmanager"
            while (began := time.monotonic()) < end:
                async with session.post(url, data=_alert(f"{slot}-{next(counter)}"), headers=headers) as response:
                    await response.read()
                    status = response.status
                if began >= warm_until:
                    if status == 200:
                        acked += 1
                        latencies.append(time.monotonic() - began)
                    else:
                        failed += 1

        await asyncio.gather(*(worker(i) for i in range(IN_FLIGHT)))
    return acked, failed, latencies


def ingest(count: int, env: dict[str, str], tmp: Path, seconds: float) -> dict[str, Any]:
    with replicas(count, env, tmp) as urls:
        acked, failed, latencies = asyncio.run(_flood(urls, seconds))
    return {
        "per_s": round(acked / seconds, 1),
        "acked": acked,
        "not_200": failed,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
    }


# -- 2. approvals ---------------------------------------------------------------------------------
def _approve_loop(target: str, key: bytes | None, seconds: float, barrier: Any, out: Any) -> None:
    from opsgraph.agent.approvals import ApprovalStore
    from opsgraph.agent.audit import AuditLog

    where: Any = Path(target) if "://" not in target else target
    store, audit = ApprovalStore(where, key=key), AuditLog(where)
    barrier.wait()
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        a = store.create(thread_id="bench", tool="k8s_scale", args={"name": "cart", "replicas": done % 9 + 1},
                         diff="replicas", action_hash=f"h{done}", risk="write", requester="bench", reason="bench",
                         ttl_s=900)  # fmt: skip
        store.decide(a.id, approve=True, by="oncall")
        store.begin(a.id, a.action_hash)
        audit.append("executing", actor="bench", subject=a.id, data={"approval": a.id}, durable=True)
        store.finish(a.id, outcome="ok")
        audit.append("executed", actor="bench", subject=a.id, data={"approval": a.id}, durable=True)
        done += 1
    out.put(done)
    store.close()
    audit.close()


def approvals(processes: int, target: str, key: bytes | None, seconds: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_approve_loop, args=(target, key, seconds, barrier, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=seconds + 120)
    total = sum(out.get(timeout=5) for _ in procs)
    return {"per_s": round(total / seconds, 1), "approvals": total}


# -- 3. a turn ------------------------------------------------------------------------------------
@contextmanager
def sandbox_process(state_dir: Path) -> Iterator[Path]:
    proc = subprocess.Popen([OPSGRAPH, "sandbox", "--reset"], env={**os.environ, "OPSGRAPH_STATE_DIR": str(state_dir)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    kubeconfig, record = state_dir / "sandbox" / "kubeconfig", state_dir / "sandbox" / "server.json"
    try:
        deadline = time.monotonic() + 60
        while not (kubeconfig.exists() and record.exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.1)
        yield kubeconfig
    finally:
        stop_process(proc)


def turns(state: Path, kubeconfig: Path, url: str, key: str | None, count: int) -> dict[str, Any]:
    from pydantic import SecretStr

    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.agent.settings import Settings

    settings = Settings(
        state_dir=state, cluster="kubeconfig", kubeconfig=kubeconfig, database_url=SecretStr(url),
        approval_key=SecretStr(key) if key else None,
    )  # fmt: skip
    agent = Agent(settings)
    messages = itertools.cycle(["status of checkout in prod", "how is payments doing in production?"])
    for _ in range(20):
        agent.handle(AgentRequest(text=next(messages), user="bench", thread_id="warm"))
    samples = []
    for i in range(count):
        began = time.perf_counter()
        result = agent.handle(AgentRequest(text=next(messages), user="bench", thread_id=f"t{i % 20}"))
        samples.append(time.perf_counter() - began)
        assert result.status == "done", result.reply
    agent.close()
    return summary_ms(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--turns", type=int, default=200)
    opts = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    key_hex = secrets.token_hex(32)
    key = bytes.fromhex(key_hex)
    results: dict[str, Any] = {"seconds": opts.seconds, "in_flight": IN_FLIGHT, "loadavg_before": _loadavg()}
    with tempfile.TemporaryDirectory() as raw, run_postgres(durable=True) as pg:
        tmp = Path(raw)
        sqlite_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGRAPH_DATABASE", "SLACK_"))}
        pg_env = {**sqlite_env, "OPSGRAPH_APPROVAL_KEY": key_hex}

        print("webhook ingest (acknowledged alerts/s, one alert per request)", flush=True)
        ingest_rows = {
            "sqlite_1": ingest(1, sqlite_env, tmp, opts.seconds),
            "postgresql_1": ingest(1, {**pg_env, "OPSGRAPH_DATABASE_URL": pg.create_database()}, tmp, opts.seconds),
            "postgresql_2": ingest(2, {**pg_env, "OPSGRAPH_DATABASE_URL": pg.create_database()}, tmp, opts.seconds),
        }
        results["ingest"] = ingest_rows
        _print(ingest_rows, "per_s", "/s")

        print("approvals (storage life of an approval, per second)", flush=True)
        appr = {
            "sqlite_1": approvals(1, str(tmp / "appr" / "state.sqlite"), None, opts.seconds),
            "postgresql_1": approvals(1, pg.create_database(), key, opts.seconds),
            "postgresql_2": approvals(2, pg.create_database(), key, opts.seconds),
        }
        results["approvals"] = appr
        _print(appr, "per_s", "/s")

        print("a read turn through the agent (p50 / p99)", flush=True)
        with sandbox_process(tmp / "sandbox-state") as kubeconfig:
            turn = {
                "sqlite_1": turns(tmp / "turn-sqlite", kubeconfig, "", None, opts.turns),
                "postgresql_1": turns(tmp / "turn-pg", kubeconfig, pg.create_database(), key_hex, opts.turns),
            }
        results["turn"] = turn
        _print(turn, "p99_ms", " ms p99", lower_is_better=True)
        for name, row in turn.items():
            print(f"  {name:14s} p50 {row['p50_ms']} ms")
    results["loadavg_after"] = _loadavg()
    print(f"load average before {results['loadavg_before']}, after {results['loadavg_after']}")
    path = write_results("state_backends", results)
    print(f"wrote {path}")
    return 0


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _print(rows: dict[str, dict[str, Any]], field: str, unit: str, *, lower_is_better: bool = False) -> None:
    base = rows["sqlite_1"][field]
    for name, row in rows.items():
        ratio = row[field] / base if base else float("nan")
        word = "of the baseline's time" if lower_is_better else "x the baseline"
        extra = f"  (p99 {row['p99_ms']} ms, {row['not_200']} not 200)" if "not_200" in row else ""
        print(f"  {name:14s} {row[field]:>9}{unit}  {ratio:.2f}{' ' + word}{extra}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
