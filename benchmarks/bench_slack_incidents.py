"""Alertmanager webhook -> incident post in Slack, as `opsgraph serve --respond` wires it with a
Slack bot token: HTTP POST of a webhook v4 body to the served app, until the local Web API server
(standing in for slack.com) receives the incident's chat.postMessage.

    .venv/bin/python benchmarks/bench_slack_incidents.py [--groups 1000]

Each alert group is its own incident (two critical alerts of one service, groups two hours
apart so correlation keeps them apart), sent one after another. Excluded: Alertmanager's own
group_wait, and the agent's answer in the thread (`answer=False`: it runs on a second queue and
never delays the post; its cost is bench_agent_overhead's). Included: HTTP, JSON parsing, the
durable store (SQLite commit), correlation and ranking, routing, Block Kit rendering, the Web API
call over loopback HTTP, the incident record. Target (issue 12): p99 < 200 ms.
The receiver is the storm path (`create_app`'s default, tools/alerts/intake.py): a new incident's
first post goes out as soon as it is correlated; only updates of known incidents wait for the
debounce (`update_interval_s`, 0.25 s), so every group here takes the first-post path.
Baseline named for scale: the same webhook with Slack off (`create_app` without the callback),
i.e. what posting to Slack adds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _stats import summary_ms, write_results


class Recorder:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.event = threading.Condition()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                body = json.loads(raw or b"{}") if raw.startswith(b"{") else {}
                at = time.perf_counter()
                if method == "chat.postMessage" and "thread_ts" not in body:
                    with recorder.event:
                        for word in str(body.get("text", "")).replace("(", " ").split():
                            if word.startswith("svc-"):
                                recorder.arrived.setdefault(word.strip(":,.;"), at)
                        recorder.event.notify_all()
                data = json.dumps({"ok": True, "ts": f"{at:.6f}", "channel": body.get("channel"),
                                   "user_id": "UBOT", "team_id": "T1", "bot_id": "B1"}).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        return Handler


def group(i: int, base: datetime) -> dict[str, Any]:
    start = (base + timedelta(hours=2 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts = [
        {"status": "firing", "startsAt": start, "endsAt": "0001-01-01T00:00:00Z", "fingerprint": f"g{i}p{p}",
         "labels": {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "prod",
                    "service": f"svc-{i:04d}", "pod": f"svc-{i:04d}-abc-{p}"},
         "annotations": {"summary": "crash looping"}}
        for p in range(2)
    ]  # fmt: skip
    return {"version": "4", "status": "firing", "receiver": "opsgraph", "groupKey": f"g{i}", "groupLabels": {},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts}  # fmt: skip


def run(groups: int, slack: bool) -> list[float]:
    import httpx
    import uvicorn

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.webhooks.app import create_app
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    recorder = Recorder()
    api = ThreadingHTTPServer(("127.0.0.1", 0), recorder.handler())
    threading.Thread(target=api.serve_forever, daemon=True).start()
    state = Path(tempfile.mkdtemp(prefix="bench-slack-"))
    settings = Settings(state_dir=state)
    settings.ensure_state_dir()
    pipeline = AlertPipeline.open(settings.alerts_db)
    runtime = None
    if slack:
        from opsgraph.channels.slack.runtime import build, respond_to_incidents
        from opsgraph.channels.slack.settings import SlackSettings

        config = state / "slack.yaml"  # the per-channel rate limit would (rightly) hold most posts back
        config.write_text("version: 1\nincidents: {rate_limit: {count: 1000000, per_seconds: 60}}\n")
        url = f"http://127.0.0.1:{api.server_address[1]}/api/"
        slack_settings = SlackSettings(
            bot_token="xoxb-bench", api_url=url, incident_channel="C0INC", retries=0, config_file=config
        )
        runtime = build(settings, slack_settings, pipeline=pipeline)
        respond_to_incidents(runtime, pipeline, answer=False)
    app = create_app(settings, pipeline=pipeline)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    samples = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        for i in range(groups):
            body = json.dumps(group(i, base))
            start = time.perf_counter()
            response = http.post("/webhooks/alertmanager", content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 200, response.text
            if not slack:
                samples.append(time.perf_counter() - start)
                continue
            key = f"svc-{i:04d}"
            with recorder.event:
                if not recorder.event.wait_for(lambda k=key: k in recorder.arrived, timeout=10):  # type: ignore[misc]
                    raise SystemExit(f"incident for {key} was never posted")
            samples.append(recorder.arrived[key] - start)
    server.should_exit = True
    thread.join(timeout=10)
    if runtime is not None:
        runtime.close()
    api.shutdown()
    return samples


def _loadavg() -> list[float]:
    """1, 5 and 15 minute load averages (2 cores shared with other work: latency depends on it)."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    load_before = _loadavg()
    with_slack = summary_ms(run(args.groups, slack=True))
    without = summary_ms(run(args.groups, slack=False))
    print(f"webhook -> incident post (local Web API), {args.groups} groups: "
          f"p50 {with_slack['p50_ms']:.1f} ms, p99 {with_slack['p99_ms']:.1f} ms (target p99 < 200 ms)")  # fmt: skip
    print(f"baseline, webhook acknowledged with Slack off: p50 {without['p50_ms']:.1f} ms, "
          f"p99 {without['p99_ms']:.1f} ms")  # fmt: skip
    print(f"load average {load_before} -> {_loadavg()} (2 cores, shared)")
    write_results("slack_incidents", {"groups": args.groups, "webhook_to_post": with_slack,
                                      "webhook_only": without, "target_p99_ms": 200,
                                      "loadavg": {"before": load_before, "after": _loadavg()}})  # fmt: skip


if __name__ == "__main__":
    main()
