"""Synthetic, deterministic container logs: the same pod, container and moment give the same lines.

Each app profile writes one line per interval since the container started; a crash-looping
container logs its start-up and the failure that kills it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_LINES = 5000

_PATHS = {
    "api": [
        "/api/v1/items",
        "/api/v1/items/{id}",
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/healthz",
        "/api/v1/search?q=shoes",
        "/api/v1/cart/{id}",
        "/metrics",
    ],
    "web": [
        "/",
        "/products/{id}",
        "/static/app.{id}.js",
        "/cart",
        "/checkout",
        "/static/styles.css",
        "/favicon.ico",
    ],
}
_STATUS = [
    (200, 820),
    (201, 40),
    (204, 30),
    (304, 40),
    (400, 15),
    (401, 8),
    (404, 25),
    (429, 6),
    (500, 9),
    (502, 4),
    (503, 3),
]
_WARN = [
    "slow downstream call to {dep} took {ms}ms",
    "retrying request to {dep} (attempt 2/3)",
    "connection pool at 85% capacity",
    "cache miss ratio above 40% for the last minute",
]
_ERROR = [
    "request to {dep} failed: context deadline exceeded",
    "upstream {dep} returned 503 Service Unavailable",
    "database query failed: pq: canceling statement due to statement timeout",
    "failed to publish event to kafka: broker not available",
]
_DEPS = ["payments", "inventory", "cart", "catalog", "postgres", "redis", "search"]


@dataclass(frozen=True)
class LogRequest:
    pod: str
    namespace: str
    container: str
    image: str
    started: float
    now: float
    interval: float
    tail: int | None = None
    since: float | None = None
    timestamps: bool = False
    crashing: bool = False
    # What the app says about its trouble: the error before a crash, or a warning every few lines
    # while it reports itself not ready.
    trouble: str | None = None


def profile(image: str, container: str) -> str:
    text = f"{image} {container}".lower()
    for key, name in (
        ("vllm", "vllm"),
        ("train", "training"),
        ("finetune", "training"),
        ("frontend", "web"),
        ("nginx", "web"),
        ("coredns", "dns"),
    ):
        if key in text:
            return name
    return "api"


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _line(kind: str, req: LogRequest, index: int, ts: float) -> str:
    rng = random.Random(f"{req.pod}/{req.container}/{index}")
    app = req.container
    if kind == "training":
        step = index * 10
        loss = 2.6 * (0.9995**step) + rng.uniform(0.0, 0.05) + 0.35
        return (
            f"[{_stamp(ts)[:19]}] step {step} | loss {loss:.4f} | lr 2.0e-05 | "
            f"grad_norm {rng.uniform(0.2, 1.4):.3f} | tokens/s {rng.randint(41000, 46000)} | "
            f"gpu_mem 71.{rng.randint(0, 9)}GiB"
        )
    if kind == "vllm":
        if index % 6 == 0:
            return (
                f"INFO {_stamp(ts)[5:19].replace('T', ' ')} metrics.py:351] Avg prompt throughput: "
                f"{rng.uniform(200, 900):.1f} tokens/s, Avg generation throughput: "
                f"{rng.uniform(300, 1200):.1f} tokens/s, Running: {rng.randint(1, 24)} reqs, "
                f"Swapped: 0 reqs, Pending: {rng.randint(0, 3)} reqs, "
                f"GPU KV cache usage: {rng.uniform(5, 60):.1f}%, CPU KV cache usage: 0.0%."
            )
        code = 200 if rng.random() > 0.01 else 500
        return (
            f"INFO:     10.244.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)} - "
            f'"POST /v1/chat/completions HTTP/1.1" {code} {"OK" if code == 200 else "Internal Server Error"}'
        )
    if kind == "dns":
        return (
            f"[INFO] 10.244.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)} - "
            f'{rng.randint(1000, 65000)} "A IN {rng.choice(_DEPS)}.prod.svc.cluster.local. udp 50 false 512" '
            f"NOERROR qr,aa,rd 106 0.000{rng.randint(100, 999)}s"
        )
    code = rng.choices([c for c, _ in _STATUS], [w for _, w in _STATUS])[0]
    ms = int(rng.lognormvariate(3.2, 0.6)) + (800 if code >= 500 else 0)
    path = rng.choice(_PATHS["web" if kind == "web" else "api"]).replace("{id}", str(rng.randint(100, 99999)))
    ip = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
    if kind == "web":
        when = datetime.fromtimestamp(ts, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
        return (
            f'{ip} - - [{when}] "GET {path} HTTP/1.1" {code} {rng.randint(200, 60000)} "-" '
            f'"Mozilla/5.0 (X11; Linux x86_64)" rt={ms / 1000:.3f}'
        )
    roll = rng.random()
    if roll < 0.006 or (code >= 500 and roll < 0.5):
        msg = rng.choice(_ERROR).format(dep=rng.choice(_DEPS))
        return f'{_stamp(ts)} level=error app={app} msg="{msg}" request_id={rng.getrandbits(48):012x}'
    if roll < 0.03:
        msg = rng.choice(_WARN).format(dep=rng.choice(_DEPS), ms=rng.randint(600, 2500))
        return f'{_stamp(ts)} level=warn app={app} msg="{msg}"'
    method = "POST" if "orders" in path and rng.random() < 0.5 else "GET"
    return (
        f'{_stamp(ts)} level=info app={app} msg="request served" method={method} path={path} status={code} '
        f"duration_ms={ms} request_id={rng.getrandbits(48):012x}"
    )


def _crash_lines(req: LogRequest) -> list[tuple[float, str]]:
    rng = random.Random(f"{req.pod}/{req.container}/crash")
    reason = req.trouble or rng.choice(
        [
            "failed to connect to postgres at postgres.prod.svc:5432: connection refused",
            "required environment variable PAYMENT_PROVIDER_URL is not set",
            "panic: runtime error: invalid memory address or nil pointer dereference",
            'config validation failed: unknown field "retry_policy" in /etc/app/config.yaml',
        ]
    )
    t = req.started
    version = req.image.rsplit(":", 1)[-1]
    return [
        (t, f'{_stamp(t)} level=info app={req.container} msg="starting {req.container}" version={version}'),
        (
            t + 0.01,
            f'{_stamp(t + 0.01)} level=info app={req.container} msg="loading configuration" path=/etc/app/config.yaml',
        ),
        (t + 0.2, f'{_stamp(t + 0.2)} level=error app={req.container} msg="{reason}"'),
        (
            t + 0.21,
            f'{_stamp(t + 0.21)} level=fatal app={req.container} msg="startup failed, exiting" exit_code=1',
        ),
    ]


def render(req: LogRequest) -> str:
    if req.crashing:
        lines = [(ts, text) for ts, text in _crash_lines(req) if ts <= req.now or ts - req.started < 1]
    else:
        kind = profile(req.image, req.container)
        interval = req.interval * {"web": 0.5, "api": 1.0, "vllm": 2.0, "training": 10.0, "dns": 3.0}[kind]
        count = max(int((req.now - req.started) / interval), 0) + 1
        first = 0
        if req.since is not None:
            first = max(first, int((req.now - req.since - req.started) / interval))
        limit = MAX_LINES if req.tail is None or req.tail < 0 else min(req.tail, MAX_LINES)
        first = max(first, count - limit)
        lines = [
            (req.started + i * interval, _line(kind, req, i, req.started + i * interval)) for i in range(first, count)
        ]
        if req.trouble:
            lines = [
                (ts, f'{_stamp(ts)} level=warn app={req.container} msg="{req.trouble}"' if i % 4 == 3 else text)
                for i, (ts, text) in enumerate(lines, start=first)
            ]
    if req.since is not None:
        lines = [(ts, text) for ts, text in lines if ts >= req.now - req.since]
    if req.tail is not None and req.tail >= 0:
        lines = lines[len(lines) - req.tail :] if req.tail else []
    if req.timestamps:
        return "".join(f"{_stamp(ts)} {text}\n" for ts, text in lines)
    return "".join(f"{text}\n" for _, text in lines)
