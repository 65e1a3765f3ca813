"""The Alertmanager receiver in an alert storm: one alert per request at a fixed offered rate.

    .venv/bin/python benchmarks/bench_receiver_storm.py [--rate 1000] [--seconds 20]

`opsgraph serve`'s app runs under uvicorn in its own process (as deployed); a client process on the
same 2-core machine sends webhook v4 bodies of one alert each, open loop (request i leaves at
t0 + i/rate whatever the earlier answers did), over 64 keep-alive connections, all alerts of one
service so a single incident grows to rate x seconds alerts (the issue measured 2.1 ms a payload
at 2k alerts in an incident and 22.6 ms at 16k). Two receivers, same load, same run:

- today: correlation in the request (`create_app(background=False)`, what every payload did
  before issue 10: store with its own fsync, correlate, rebuild the incident's snapshot);
- storm path: the request waits for the durable store only (group commit), correlation and
  incident updates follow in the background (tools/alerts/intake.py).

`--new-incidents`: the worst case for first posts instead. Each alert is its own service, two
hours after the previous one, so every request opens a new incident, which the storm path
announces at once (a bounded number a pass, at most a third of the correlator's time; the rest
with the next debounced update). Results in receiver_storm_new_incidents.json.

Reported: sustained rate (answers per second over the run), request -> stored latency p50/p99
(client side: from sending to the 200, which comes only after the commit), incident update lag
(server side: from acceptance to the saved snapshot that includes the alert; today this is the
request itself), and the server's resident memory before and after. Targets (issue 10): 1,000
alerts/s sustained, p99 < 200 ms, incident updates within 1 s, memory bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _stats import summary_ms, write_results

CONNECTIONS = 64


# -- the server process --------------------------------------------------------------------------
def serve(port: int, state: str, background: bool, first_posts: bool = True) -> None:
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.webhooks.app import create_app

    holder: dict[str, Any] = {}
    if not first_posts:  # the baseline: new incidents wait for the debounced update like any other
        from opsgraph.tools.alerts.pipeline import AlertPipeline

        debounced_only = AlertPipeline.intake

        def intake(self: AlertPipeline, **options: Any) -> Any:
            return debounced_only(self, **{"max_first_posts": 0, **options})

        AlertPipeline.intake = intake

    async def stats(request: Request) -> JSONResponse:
        app = holder["app"]
        intake = app.state.intake
        idle = intake.wait_idle(30) if intake is not None else True
        lags = list(intake.update_lags) if intake is not None else []
        commits = list(intake.commit_lags) if intake is not None else []
        snaps = app.state.pipeline.snapshots()
        return JSONResponse({"idle": idle, "lags": lags, "commit_lags": commits, "rss_kib": _rss_kib(os.getpid()),
                             "largest_incident": max((s.alert_count for s in snaps), default=0),
                             "incidents": len(app.state.pipeline.store.incidents()),
                             "commits": intake.commits if intake is not None else None})  # fmt: skip

    async def cpu(request: Request) -> JSONResponse:
        return JSONResponse(_thread_cpu())

    settings = Settings(state_dir=Path(state))
    settings.ensure_state_dir()
    routes = [Route("/bench/stats", stats, methods=["GET"]), Route("/bench/cpu", cpu, methods=["GET"])]
    holder["app"] = create_app(settings, background=background, extra_routes=routes)
    uvicorn.run(holder["app"], host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) each live thread of this process has used, by thread name
    (MainThread runs the event loop; alerts-writer the group commits; alerts-correlator the rest)."""
    import threading

    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[thread.name] = out.get(thread.name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    out["process"] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _loadavg() -> list[float]:
    """1, 5 and 15 minute load averages (2 cores shared with other work: latency depends on it)."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- the client ----------------------------------------------------------------------------------
def _body(i: int, now: float, new_incident: bool = False) -> bytes:
    """Alert i: one more pod of `checkout` at `now`, or (`new_incident`) service svc-i, two hours
    after alert i-1 (all in the past), so that it opens an incident of its own."""
    at = now - 7200.0 * (100_000 - i) if new_incident else now
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + "Z"
    service = f"svc-{i}" if new_incident else "checkout"
    alert = {
        "status": "firing",
        "labels": {"alertname": "PodCrashLooping", "severity": "critical", "namespace": "prod",
                   "service": service, "pod": f"{service}-{i}"},
        "annotations": {"summary": f"{service}-{i} is crash looping"},
        "startsAt": stamp, "endsAt": "0001-01-01T00:00:00Z",
    }  # fmt: skip
    return json.dumps({"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
                       "receiver": "opsgraph", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://am", "alerts": [alert]}).encode()  # fmt: skip


async def offer(url: str, rate: int, seconds: float, new_incidents: bool = False) -> dict[str, Any]:
    import aiohttp

    total = int(rate * seconds)
    latencies: list[float] = []
    failures: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        now = time.time()

        async def one(i: int) -> None:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.perf_counter()
            try:
                body = _body(i, now, new_incidents)
                async with session.post(url, data=body, headers={"content-type": "application/json"}) as r:
                    await r.read()
                    if r.status == 200:
                        latencies.append(time.perf_counter() - sent)
                    else:
                        failures[str(r.status)] = failures.get(str(r.status), 0) + 1
            except aiohttp.ClientError as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return {"offered": total, "stored": len(latencies), "failures": failures, "elapsed_s": round(elapsed, 2),
            "sustained_per_s": round(len(latencies) / elapsed, 1), "latencies": latencies}  # fmt: skip


def run(
    background: bool, rate: int, seconds: float, new_incidents: bool = False, first_posts: bool = True
) -> dict[str, Any]:
    import httpx

    with tempfile.TemporaryDirectory() as state, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--state", state]
            + ([] if background else ["--today"])
            + ([] if first_posts else ["--first-posts-off"]),
            env={**os.environ, "OPSGRAPH_STATE_DIR": state},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            rss_before = _rss_kib(server.pid)
            cpu_before = httpx.get(f"{base}/bench/cpu", timeout=10).json()
            offered = asyncio.run(offer(f"{base}/webhooks/alertmanager", rate, seconds, new_incidents))
            stats = httpx.get(f"{base}/bench/stats", timeout=60).json()
            cpu_after = httpx.get(f"{base}/bench/cpu", timeout=10).json()
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies = offered.pop("latencies")
    lags = stats["lags"] if background else latencies  # today the incident is updated in the request
    return {
        **offered,
        "request_to_stored": summary_ms(latencies),
        # server side, from accept() (body read and validated) to the commit: the rest of the
        # client's figure is HTTP, the event loop and the client itself (same 2 cores)
        "accepted_to_committed": summary_ms(stats["commit_lags"]) if background else None,
        "incident_update_lag": {**summary_ms(lags), "max_ms": round(max(lags, default=0) * 1000, 1),
                                "within_1s": round(sum(lag <= 1.0 for lag in lags) / max(len(lags), 1), 4)},
        "server_rss_mib": {"before": round(rss_before / 1024, 1), "after": round(stats["rss_kib"] / 1024, 1)},
        "largest_incident_alerts": stats["largest_incident"],
        "incidents_stored": stats["incidents"],
        # CPU the server spent on the run, per 1,000 stored alerts (load-independent, unlike latency)
        "server_cpu_s_per_1000": {n: round(used * 1000 / max(offered["stored"], 1), 3) for n in cpu_after
                                  if (used := cpu_after[n] - cpu_before.get(n, 0.0)) > 0.005},
        "group_commits": stats["commits"],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=1000, help="alerts (requests) per second offered")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--today-seconds", type=float, default=10.0, help="run length for today's receiver")
    parser.add_argument("--name", help="results file name (benchmarks/results/NAME.json; default receiver_storm, "
                        "or receiver_storm_new_incidents)")  # fmt: skip
    parser.add_argument("--new-incidents", action="store_true", help="every alert opens an incident of its own")
    parser.add_argument("--first-posts-off", action="store_true",
                        help="baseline: new incidents wait for the debounced update (max_first_posts=0)")  # fmt: skip
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--today", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.state, background=not args.today, first_posts=not args.first_posts_off)
        return
    results: dict[str, Any] = {"rate_offered": args.rate, "connections": CONNECTIONS, "seconds": args.seconds,
                               "new_incidents": args.new_incidents,
                               "first_posts": not args.first_posts_off}  # fmt: skip
    for name, background, seconds in (("today", False, args.today_seconds), ("storm_path", True, args.seconds)):
        if seconds <= 0:
            continue
        print(f"{name}: {args.rate}/s for {seconds:g} s ...", flush=True)
        load_before = _loadavg()
        results[name] = run(background, args.rate, seconds, args.new_incidents, not args.first_posts_off)
        results[name]["loadavg"] = {"before": load_before, "after": _loadavg()}
        r = results[name]
        print(f"  sustained {r['sustained_per_s']}/s of {args.rate}/s offered ({r['stored']}/{r['offered']} stored, "
              f"failures {r['failures'] or 0}); request->stored p50 {r['request_to_stored']['p50_ms']} ms, "
              f"p99 {r['request_to_stored']['p99_ms']} ms (server side, accepted -> committed: "
              f"{(r['accepted_to_committed'] or {}).get('p99_ms')} ms); incident update lag p99 "
              f"{r['incident_update_lag']['p99_ms']} ms (max {r['incident_update_lag']['max_ms']} ms); "
              f"largest incident {r['largest_incident_alerts']} alerts, {r['incidents_stored']} incidents; server RSS "
              f"{r['server_rss_mib']['before']} -> {r['server_rss_mib']['after']} MiB; server CPU s per 1,000 "
              f"alerts {r['server_cpu_s_per_1000']}; load average {r['loadavg']['before']} -> "
              f"{r['loadavg']['after']}", flush=True)  # fmt: skip
    storm = results["storm_path"]
    results["targets_met"] = {
        "sustained_1000_per_s": storm["sustained_per_s"] >= 0.98 * args.rate and args.rate >= 1000,
        "p99_under_200ms": storm["request_to_stored"]["p99_ms"] < 200,
        "incident_updates_within_1s": storm["incident_update_lag"]["p99_ms"] <= 1000,
    }
    print("targets:", results["targets_met"])
    write_results(args.name or ("receiver_storm_new_incidents" if args.new_incidents else "receiver_storm"), results)


if __name__ == "__main__":
    main()
