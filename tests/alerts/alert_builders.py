"""Small builders shared by the alert tests."""

from __future__ import annotations

from opsgraph.tools.alerts.model import Alert, fingerprint
from opsgraph.tools.alerts.topology import Topology

T0 = 1_700_000_000.0


def alert(name: str, at: float = 0.0, status: str = "firing", ends: float | None = None, **labels: str) -> Alert:
    """An alert named `name` at T0 + `at` seconds with the given labels."""
    full = {"alertname": name, **labels}
    return Alert(fingerprint(full), full, T0 + at, status, None if ends is None else T0 + ends)  # type: ignore[arg-type]


def resolved(a: Alert, at: float) -> Alert:
    return Alert(a.fingerprint, a.labels, a.starts_at, "resolved", T0 + at)


def shop() -> Topology:
    """frontend -> checkout -> payments -> db (database); checkout -> cart -> redis (cache);
    pods checkout-0..2 on node-a/node-b, cart-0..1 on node-b, frontend-0 on node-a."""
    nodes = [
        ("frontend", "service"),
        ("checkout", "service"),
        ("payments", "service"),
        ("cart", "service"),
        ("db", "database"),
        ("redis", "cache"),
        ("node-a", "node"),
        ("node-b", "node"),
        ("search", "service"),
    ]
    edges = [
        ("frontend", "checkout", "calls"),
        ("checkout", "payments", "calls"),
        ("payments", "db", "depends_on"),
        ("checkout", "cart", "calls"),
        ("cart", "redis", "depends_on"),
    ]
    pods = {
        "checkout-0": ("checkout", "node-a"),
        "checkout-1": ("checkout", "node-b"),
        "checkout-2": ("checkout", "node-b"),
        "cart-0": ("cart", "node-b"),
        "cart-1": ("cart", "node-b"),
        "frontend-0": ("frontend", "node-a"),
        "search-0": ("search", "node-a"),
    }
    for pod, (svc, node) in pods.items():
        nodes.append((pod, "pod"))
        edges += [(pod, svc, "instance_of"), (pod, node, "runs_on")]
    return Topology.build(nodes, edges)


def silent_store() -> Topology:
    """api calls orders and billing, which both depend on ledger-db (no exporter, runs on node-x)."""
    nodes = [("api", "service"), ("orders", "service"), ("billing", "service"), ("ledger-db", "database")]
    nodes.append(("node-x", "node"))
    edges = [("api", "orders", "calls"), ("api", "billing", "calls"), ("ledger-db", "node-x", "runs_on")]
    edges += [("orders", "ledger-db", "depends_on"), ("billing", "ledger-db", "depends_on")]
    return Topology.build(nodes, edges)
