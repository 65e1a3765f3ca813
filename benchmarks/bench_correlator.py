"""Benchmark: opsgraph's streaming correlator vs the seed article's AlertCorrelator.

Synthetic alert storms (seeded, reproducible) over a 500-service topology: a few injected root
faults (service, pod, node or database) cascading to their dependents, plus minor incidents,
low-value noise, Alertmanager re-sends (duplicates), resolves and flapping alerts. Both correlators
get the same raw notification stream, one alert at a time.

    .venv/bin/python benchmarks/bench_correlator.py            # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_correlator.py --sizes 10000 --seed-prefix 3000

The seed's cost per alert grows with the alerts in its 5-minute buffer (it regroups the whole
buffer for every alert), so beyond `--seed-prefix` alerts it is measured on that prefix of the
same storm and the output says so; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_baselines.alert_correlator import AlertCorrelator, SeedAlert, SeedTopology

from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.funnel import compute_funnel
from opsgraph.tools.alerts.incidents import snapshot
from opsgraph.tools.alerts.model import Alert, fingerprint
from opsgraph.tools.alerts.topology import Topology

POD_ALERTS = ("PodCrashLooping", "ContainerMemoryNearLimit", "ContainerCPUThrottling", "ContainerOOMKilled")
SYMPTOMS = ("HighLatency", "HighErrorRate", "RequestTimeouts")
NODE_ALERTS = ("NodeMemoryPressure", "NodeDiskPressure", "NodeCPUSaturation")
DB_ALERTS = ("DatabaseConnectionsSaturated", "DatabaseSlowQueries")
NOISE = ("KubeHpaMaxedOut", "CertificateExpiringSoon", "ConfigReloaderSlow", "KubeJobCompleted")


@dataclass(frozen=True)
class World:
    topology: Topology
    services: list[str]
    pods: dict[str, list[str]]
    host: dict[str, str]
    nodes: list[str]
    databases: list[str]
    callers: dict[str, list[str]]
    edges: list[tuple[str, str, str]]


def build_world(rng: random.Random, n_services: int = 500, n_nodes: int = 40, n_db: int = 20) -> World:
    services = [f"svc-{i:03d}" for i in range(n_services)]
    nodes = [f"node-{i:02d}" for i in range(n_nodes)]
    databases = [f"db-{i:02d}" for i in range(n_db)]
    kinds = {s: "service" for s in services} | {n: "node" for n in nodes} | {d: "database" for d in databases}
    edges: list[tuple[str, str, str]] = []
    callers: dict[str, list[str]] = {s: [] for s in services + databases}
    pods: dict[str, list[str]] = {}
    host: dict[str, str] = {}
    for i, svc in enumerate(services):
        # Layered calls: a service calls 1-3 services further down the list (a DAG).
        for j in rng.sample(range(i + 1, n_services), k=min(rng.randint(1, 3), n_services - i - 1)):
            edges.append((svc, services[j], "calls"))
            callers[services[j]].append(svc)
        if i >= n_services * 0.8:
            db = rng.choice(databases)
            edges.append((svc, db, "depends_on"))
            callers[db].append(svc)
        pods[svc] = [f"{svc}-{k}" for k in range(rng.randint(2, 4))]
        for pod in pods[svc]:
            kinds[pod] = "pod"
            host[pod] = rng.choice(nodes)
            edges += [(pod, svc, "instance_of"), (pod, host[pod], "runs_on")]
    topology = Topology.build(kinds.items(), edges)
    return World(topology, services, pods, host, nodes, databases, callers, edges)


@dataclass(frozen=True)
class Spec:
    labels: dict[str, str]
    at: float


def _pod_labels(world: World, pod: str, name: str, severity: str = "warning") -> dict[str, str]:
    svc = pod.rsplit("-", 1)[0]
    return {
        "alertname": name,
        "severity": severity,
        "namespace": "prod",
        "service": svc,
        "pod": pod,
        "node": world.host[pod],
    }


def _cascade(world: World, rng: random.Random, t0: float) -> tuple[str, list[Spec]]:
    """One injected root fault and what it causes; returns (root entity, distinct alerts)."""
    kind = rng.choice(("service", "service", "pod", "node", "database"))
    specs: list[Spec] = []
    if kind == "node":
        root = rng.choice(world.nodes)
        specs.append(Spec({"alertname": rng.choice(NODE_ALERTS), "severity": "critical", "node": root}, t0))
        hosted = [p for p, h in world.host.items() if h == root]
        impacted = sorted({p.rsplit("-", 1)[0] for p in rng.sample(hosted, k=min(8, len(hosted)))})
        for pod in [p for p in hosted if p.rsplit("-", 1)[0] in impacted][:12]:
            specs.append(Spec(_pod_labels(world, pod, rng.choice(POD_ALERTS)), t0 + rng.uniform(20, 90)))
    elif kind == "database":
        root = rng.choice([d for d in world.databases if world.callers[d]] or world.databases)
        specs.append(Spec({"alertname": rng.choice(DB_ALERTS), "severity": "critical", "database": root}, t0))
        impacted = list(world.callers[root])
    else:
        svc = rng.choice(world.services[: len(world.services) // 2 * 2])
        victims = world.pods[svc] if kind == "service" else [rng.choice(world.pods[svc])]
        root = svc if kind == "service" else victims[0]
        for pod in victims:
            specs.append(Spec(_pod_labels(world, pod, rng.choice(POD_ALERTS[:2]), "critical"), t0 + rng.uniform(0, 15)))
        impacted = [svc]
    # Symptoms travel up the callers, fading with distance: not every caller notices.
    frontier, seen = [(s, 1) for s in impacted], set(impacted)
    while frontier and len(specs) < 120:
        svc, hop = frontier.pop(0)
        for name in rng.sample(SYMPTOMS, k=rng.randint(1, 2)):
            specs.append(
                Spec(
                    {"alertname": name, "severity": "warning", "namespace": "prod", "service": svc},
                    t0 + hop * rng.uniform(20, 60),
                )
            )
        for pod in world.pods.get(svc, [])[: rng.randint(0, 3)]:  # saturated callers: retries pile up
            specs.append(Spec(_pod_labels(world, pod, "ContainerCPUThrottling"), t0 + hop * rng.uniform(30, 90)))
        for caller in world.callers.get(svc, []):
            if caller not in seen and hop < 3 and rng.random() < 0.8 / hop:
                seen.add(caller)
                frontier.append((caller, hop + 1))
    return root, specs


def generate_storm(n_raw: int, seed: int = 7) -> tuple[World, list[Alert], list[tuple[str, str]]]:
    """A storm of exactly `n_raw` notifications, in event-time order, and its injected roots as
    (root entity, fingerprint of the root's first alert)."""
    rng = random.Random(seed)
    world = build_world(rng)
    duration = max(600.0, n_raw / 10_000 * 3600)
    specs: list[Spec] = []
    roots: list[tuple[str, str]] = []
    for _ in range(max(1, n_raw // 1000)):
        t0 = rng.uniform(0, duration * 0.9)
        root, cascade = _cascade(world, rng, t0)
        roots.append((root, fingerprint(cascade[0].labels)))
        specs += cascade
    for _ in range(max(2, n_raw // 250)):  # minor incidents: one workload, a few alerts
        svc, t0 = rng.choice(world.services), rng.uniform(0, duration)
        for pod in rng.sample(world.pods[svc], k=rng.randint(1, len(world.pods[svc]))):
            for name in rng.sample(POD_ALERTS, k=rng.randint(1, 3)):
                specs.append(Spec(_pod_labels(world, pod, name), t0 + rng.uniform(0, 30)))
    for _ in range(n_raw // 10):  # low-value noise
        pod = rng.choice(rng.choice(list(world.pods.values())))
        specs.append(Spec(_pod_labels(world, pod, rng.choice(NOISE), "info"), rng.uniform(0, duration)))
    events: list[Alert] = []
    for spec in specs:
        fp = fingerprint(spec.labels)
        events.append(Alert(fp, spec.labels, spec.at))
        t = spec.at
        if rng.random() < 0.08:  # flapping: resolve and re-fire a few times
            for _ in range(rng.randint(2, 4)):
                events.append(Alert(fp, spec.labels, spec.at, "resolved", t + 60))
                t += rng.uniform(90, 240)
                events.append(Alert(fp, spec.labels, t))
        if rng.random() < 0.7:
            events.append(Alert(fp, spec.labels, spec.at, "resolved", t + rng.uniform(300, 1800)))
    firing = [e for e in events if e.status == "firing"]
    order = {id(e): e.event_time for e in events}
    while len(events) < n_raw:  # Alertmanager re-sends still-firing alerts
        a = rng.choice(firing)
        resend = Alert(a.fingerprint, a.labels, a.starts_at)
        order[id(resend)] = a.starts_at + rng.uniform(30, 900)
        events.append(resend)
    events = events[:n_raw]
    events.sort(key=lambda e: order[id(e)])
    return world, events, roots


def _source(alert: Alert) -> str:
    labels = alert.labels
    return labels.get("pod") or labels.get("database") or labels.get("node") or labels.get("service", "?")


def run_ours(world: World, events: list[Alert], repeats: int = 3) -> tuple[float, float, Correlator]:
    """CPU seconds (best of `repeats`) to ingest every notification, and to also rank every incident."""
    best_ingest = best_total = float("inf")
    correlator = Correlator(world.topology)
    for _ in range(repeats):
        correlator = Correlator(world.topology)
        start = time.process_time()
        for i, alert in enumerate(events):
            correlator.ingest(alert, i)
        ingest_s = time.process_time() - start
        for inc in correlator.incidents():
            snapshot(inc, world.topology, correlator.baseline)
        best_ingest = min(best_ingest, ingest_s)
        best_total = min(best_total, time.process_time() - start)
    return best_ingest, best_total, correlator


def run_seed(world: World, events: list[Alert], limit: int) -> tuple[int, float]:
    seed = AlertCorrelator(SeedTopology([(a, b) for a, b, _ in world.edges]))
    stream = [SeedAlert(_source(a), a.event_time, a.name) for a in events[:limit]]
    start = time.process_time()
    for alert in stream:
        for _incident in seed.process_alert(alert):
            pass
    return len(stream), time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed-prefix", type=int, default=2_000, help="max alerts the seed is run on")
    parser.add_argument("--funnel-size", type=int, default=10_000)
    args = parser.parse_args(argv)
    print("alerts/s = alerts / CPU seconds (process time; ours: best of 3 runs)")
    header = ("alerts", "ours ingest/s", "ours total/s", "seed/s", "seed on", "ratio")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (8, 14, 13, 10, 10, 8), strict=True)))
    for size in args.sizes:
        world, events, _ = generate_storm(size)
        ingest_s, total_s, _ = run_ours(world, events)
        done, seed_s = run_seed(world, events, min(size, args.seed_prefix))
        ours_rate, seed_rate = size / ingest_s, done / seed_s
        scope = "all" if done == size else f"first {done}"
        print(
            f"{size:>8} {ours_rate:>14,.0f} {size / total_s:>13,.0f} {seed_rate:>10,.0f} {scope:>10} "
            f"{ours_rate / seed_rate:>7,.0f}x"
        )
    print_funnel(args.funnel_size)
    return 0


def print_funnel(size: int) -> None:
    world, events, roots = generate_storm(size)
    _, _, correlator = run_ours(world, events, repeats=1)
    snaps = [snapshot(i, world.topology, correlator.baseline) for i in correlator.incidents()]
    funnel = compute_funnel(correlator.stats, snaps)
    print(f"\nfunnel for a {size:,}-alert storm ({len(roots)} injected root faults):")
    for line in funnel.lines():
        print(f"  {line}")
    top1 = top3 = 0
    for root, root_fp in roots:
        inc = correlator.incident_of(root_fp)
        ranked = [c.entity for c in snapshot(inc, world.topology, correlator.baseline).causes] if inc else []
        top1 += ranked[:1] == [root]
        top3 += root in ranked[:3]
    print(f"  injected root = first / top-3 cause of its incident: {top1}/{len(roots)} / {top3}/{len(roots)}")
    for snap in sorted((s for s in snaps if s.actionable), key=lambda s: -s.priority)[:5]:
        print(f"  - [{snap.severity}] {snap.causes[0].entity}: {snap.actions[0].text}")


if __name__ == "__main__":
    raise SystemExit(main())
