"""Incident snapshots kept up to date alert by alert equal a full recompute, exactly.

Random alert sequences (random services, pods, nodes, signals, severities, silences, resolves,
re-fires and flapping, merges, time jumps that close incidents and feed the baseline, late alerts
that move an incident's start, fingerprints whose labels change) go through one correlator; the
touched incidents are snapshotted as the stream goes (so their digests are kept, not rebuilt), and
at checkpoints every incident's snapshot must equal `snapshot(..., fresh=True)`: the digest rebuilt
from the members and every entity weighed (no pruning). Equality is the dataclass's: every float
(scores, priority) bit for bit.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import AlertState, Correlator
from opsgraph.tools.alerts.digest import IncidentDigest
from opsgraph.tools.alerts.entities import Entity
from opsgraph.tools.alerts.evidence import weigh
from opsgraph.tools.alerts.incidents import snapshot
from opsgraph.tools.alerts.model import Alert, fingerprint
from opsgraph.tools.alerts.ranking import RankingConfig, rank_tally
from opsgraph.tools.alerts.signals import signal
from opsgraph.tools.alerts.tally import Tally
from opsgraph.tools.alerts.topology import Topology
from tests.alerts.alert_builders import T0

SERVICES = ["checkout", "payments", "cart", "frontend", "search"]
NAMES = [
    "HighLatency",  # symptom
    "ErrorRateHigh",  # symptom
    "CPUThrottlingHigh",  # resource: cpu
    "ContainerMemoryHigh",  # resource: memory
    "NodeCPUHigh",  # infra: cpu
    "NodeDiskFull",  # infra: disk
    "PodCrashLooping",
    "KubeJobFailed",
]


def _topology(rng: random.Random) -> Topology:
    nodes = [(s, "service") for s in SERVICES] + [("db", "database"), ("redis", "cache")]
    nodes += [(f"node-{i}", "node") for i in range(3)]
    edges = [("frontend", "checkout", "calls"), ("checkout", "payments", "calls"), ("checkout", "cart", "calls")]
    edges += [("payments", "db", "depends_on"), ("cart", "redis", "depends_on")]
    for service in SERVICES:  # some instances known to the topology, more alert than it knows
        for i in range(rng.randint(0, 3)):
            pod = f"{service}-{i}"
            nodes.append((pod, "pod"))
            edges += [(pod, service, "instance_of"), (pod, f"node-{rng.randrange(3)}", "runs_on")]
    return Topology.build(nodes, edges)


def _labels(rng: random.Random, dense: bool) -> dict[str, str]:
    names = NAMES[:4] if dense else NAMES
    services = SERVICES[:3] if dense else SERVICES
    pods, nodes = (3, 2) if dense else (8, 4)
    labels = {"alertname": rng.choice(names), "severity": rng.choice(["critical", "warning", "info", "error"])}
    shape = rng.random()
    service = rng.choice(services)
    if shape < 0.55:  # a pod of a service, on a node
        labels.update(pod=f"{service}-{rng.randrange(pods)}", service=service, namespace="prod")
        if rng.random() < 0.6:
            labels["node"] = f"node-{rng.randrange(nodes)}"
    elif shape < 0.7:
        labels["service"] = service
    elif shape < 0.8:
        labels["node"] = f"node-{rng.randrange(nodes)}"
        labels["alertname"] = rng.choice(["NodeCPUHigh", "NodeDiskFull", labels["alertname"]])
    elif shape < 0.88:
        labels["database"] = rng.choice(["db", "ledger"])
    elif shape < 0.95:
        labels.update(pod=f"lonely-{rng.randrange(5)}", namespace=rng.choice(["prod", "batch"]))
    return labels  # else: nothing but a name (an unplaceable alert)


def _stream(rng: random.Random, n: int, dense: bool) -> list[Alert]:
    """Whole seconds (Alertmanager's usual resolution: ties in time are common)."""
    alerts: list[Alert] = []
    sent: list[Alert] = []
    now = T0
    for _ in range(n):
        now += 900.0 if rng.random() < 0.04 else float(int(rng.expovariate(1 / 4.0)))  # now and then a quiet spell
        at = now - rng.randint(0, 120) if rng.random() < 0.05 else now  # a late alert
        pick = rng.random()
        if sent and pick < 0.15:  # resolve something sent
            old = rng.choice(sent)
            alerts.append(Alert(old.fingerprint, old.labels, old.starts_at, "resolved", at))
        elif sent and pick < 0.3:  # re-fire (flaps after two)
            old = rng.choice(sent)
            alerts.append(Alert(old.fingerprint, old.labels, at, "firing", None, suppressed=old.suppressed))
        elif sent and pick < 0.33:  # a sender's own fingerprint, now on other labels
            old = rng.choice(sent)
            status = rng.choice(["firing", "resolved"])
            alerts.append(Alert(old.fingerprint, _labels(rng, dense), at, status, at))
        else:
            labels = _labels(rng, dense)
            new = Alert(fingerprint(labels), labels, at, suppressed=rng.random() < 0.1)
            sent.append(new)
            alerts.append(new)
    return alerts


def _run(seed: int, n: int = 400) -> Counter[str]:
    rng = random.Random(seed)
    topology = _topology(rng) if seed % 3 else Topology.build([], [])
    correlator = Correlator(topology)
    seen: Counter[str] = Counter()
    for i, a in enumerate(_stream(rng, n, dense=seed % 2 == 0)):
        inc = correlator.ingest(a, i)
        if correlator.merged:
            seen["merges"] += len(correlator.merged)
            seen["merges of kept digests"] += inc.digest is not None
            correlator.merged.clear()
        if rng.random() < 0.5:
            if inc.digest is None and inc.members:
                seen["digests built"] += 1
            snapshot(inc, topology, correlator.baseline)  # keeps (or makes) the digest
        if i % 50 == 49 or i == n - 1:
            for each in correlator.incidents():
                kept = each.digest is not None
                assert snapshot(each, topology, correlator.baseline) == snapshot(
                    each, topology, correlator.baseline, fresh=True
                ), f"seed {seed}, alert {i}, incident {each.id}"
                seen["compared kept digests"] += kept
                if each.digest is not None:
                    full = weigh(each.digest.tally, topology, correlator.baseline, RankingConfig(), each.recorded)
                    pruned = weigh(
                        each.digest.tally, topology, correlator.baseline, RankingConfig(), each.recorded, prune=True
                    )
                    seen["entities pruned"] += len(full.entities) - len(pruned.entities)
    seen["baseline records"] += correlator.baseline._records
    return seen


@pytest.mark.parametrize("seed", range(24))
def test_kept_snapshots_equal_a_full_recompute(seed: int) -> None:
    _run(seed)


def test_the_random_sequences_reach_what_could_go_wrong() -> None:
    """The comparison above means something only if the streams merge incidents, keep digests,
    rebuild them after a label change, prune, and move the baseline."""
    seen: Counter[str] = Counter()
    for seed in range(24):
        seen += _run(seed)
    for what in (
        "merges",
        "merges of kept digests",
        "digests built",
        "compared kept digests",
        "entities pruned",
        "baseline records",
    ):
        assert seen[what] > 5, (what, seen)


def test_a_storm_of_one_service_is_ranked_from_the_service_not_its_20k_pods() -> None:
    """What the digest is for: 20k crash-looping pods of checkout, snapshotted as they come."""
    topology = Topology.build([], [])
    correlator = Correlator(topology)
    for i in range(20_000):
        labels = {"alertname": "PodCrashLooping", "severity": "critical", "service": "checkout", "pod": f"checkout-{i}"}
        inc = correlator.ingest(Alert(fingerprint(labels), labels, T0 + i / 1000), i)
        if i % 5000 == 0:
            snapshot(inc, topology, correlator.baseline)
    kept = snapshot(inc, topology, correlator.baseline)
    assert kept == snapshot(inc, topology, correlator.baseline, fresh=True)
    assert [c.entity for c in kept.causes] == ["checkout"]
    assert kept.alert_count == 20_000 and kept.causes[0].evidence.startswith("20000 instances alert together")
    assert inc.digest is not None
    evidence = weigh(inc.digest.tally, topology, correlator.baseline, RankingConfig(), prune=True)
    assert list(evidence.entities) == ["checkout"] and len(evidence.alerting) == 20_001


def _member(rng: random.Random, pods: int) -> AlertState:
    """A random correlator member; entity ids repeat, with other services or kinds now and then."""
    name = rng.choice(NAMES)
    service = rng.choice([*SERVICES[:3], None])
    pod = f"pod-{rng.randrange(pods)}"
    entity = rng.choice(
        [
            Entity(pod, "pod", service, rng.choice([None, "node-0", "node-1"])),
            Entity(service or "api", "service", rng.choice([None, "api"])),
            Entity("node-0", "node"),
        ]
    )
    labels = {"alertname": name, "severity": rng.choice(["critical", "info", "warning"]), "namespace": "prod"}
    if rng.random() < 0.3:
        del labels["namespace"]
    family, category = signal(labels)
    at = T0 + rng.randint(0, 60)
    state = AlertState(Alert(fingerprint(labels), labels, at), entity, family, category, 0, at)
    state.low_value = rng.random() < 0.3
    state.flapping = rng.random() < 0.1
    return state


def _parts(digest: IncidentDigest) -> list[object]:
    tally = digest.tally
    return [
        [
            (name, e.kind, e.service, e.host, e.onset, list(e.signals.items()), e.services)
            for name, e in tally.entities.items()
        ],
        tally.groups,
        list(tally.patterns.items()),
        tally.service_names,
        tally.t0,
        tally.owners(),
        digest.count,
        digest.meaningful,
        (digest.all.entities(), digest.all.rank, digest.significant.entities(), digest.significant.rank),
        [(at, position, id(m)) for at, position, m in digest.timeline],
        digest.flapping,
        [(key, list(r.names), r.service, r.namespace) for key, r in digest.related.items()],
    ]


@pytest.mark.parametrize("seed", range(40))
def test_a_merged_digest_equals_one_built_from_both_incidents_members(seed: int) -> None:
    """A merge appends the other incident's members: folding its digest in must give what a
    pass over both member lists gives, in the same order (orders decide float sums and names)."""
    rng = random.Random(seed)
    pods = rng.choice([2, 4, 30])
    keep = [_member(rng, pods) for _ in range(rng.randint(1, 40))]
    other = [_member(rng, pods) for _ in range(rng.randint(1, 40))]
    merged = IncidentDigest.of(keep)
    merged.absorb(IncidentDigest.of(other))
    assert _parts(merged) == _parts(IncidentDigest.of(keep + other))


POOL = ["a", "b", "c", "node-0", "pod-0", "pod-1", "pod-2", "pod-3"]


def _odd_member(rng: random.Random) -> AlertState:
    """A member whose entity names any other entity as its service or host: services that have
    services of their own, hosts named like services, instances whose first alert named none."""
    name = rng.choice(NAMES)
    entity = Entity(
        rng.choice(POOL),
        rng.choice(["pod", "service", "node"]),
        rng.choice([*POOL[:3], None, None]),
        rng.choice([*POOL[:4], None, None]),
    )
    labels = {"alertname": name, "severity": rng.choice(["critical", "info"])}
    family, category = signal(labels)
    at = T0 + rng.randint(0, 30)
    state = AlertState(Alert(fingerprint(labels), labels, at), entity, family, category, 0, at)
    state.low_value = rng.random() < 0.2
    return state


@pytest.mark.parametrize("seed", range(60))
def test_pruned_weighing_kept_across_updates_ranks_as_the_full_one(seed: int) -> None:
    """Entities related in unusual ways (chains of services, hosts that are services): a tally
    weighed (pruned) again and again as members arrive ranks exactly as a fresh, unpruned one,
    and every entity it keeps carries the same evidence."""
    rng = random.Random(seed)
    topology = (
        Topology.build([("a", "service"), ("pod-0", "pod"), ("pod-1", "pod")], [("pod-0", "a", "instance_of")])
        if seed % 2
        else Topology.build([], [])
    )
    baseline = correlator_baseline(rng)
    kept = Tally()
    members: list[AlertState] = []
    for _ in range(rng.randint(5, 60)):
        m = _odd_member(rng)
        members.append(m)
        kept.add(m)
        if rng.random() < 0.4:
            try:
                full = weigh(Tally.of(members), topology, baseline, RankingConfig())
            except KeyError:  # a pattern whose service no entity's first alert named (as before)
                continue
            pruned = weigh(kept, topology, baseline, RankingConfig(), prune=True)
            assert {n: full.entities[n] for n in pruned.entities} == pruned.entities
            assert set(pruned.alerting) == set(full.alerting) and pruned.t0 == full.t0
            fresh = Tally.of(members)
            assert rank_tally(kept, topology, baseline) == rank_tally(fresh, topology, baseline, prune=False)


def correlator_baseline(rng: random.Random) -> AlertBaseline:
    """A baseline that has seen some of the pool's signals (so weights differ from entity to entity)."""
    baseline = AlertBaseline()
    for i in range(rng.randint(0, 6)):
        keys = [(rng.choice(POOL), signal({"alertname": rng.choice(NAMES)})[0]) for _ in range(3)]
        baseline.record(keys, T0 - 3600 + i * 60)
    return baseline
