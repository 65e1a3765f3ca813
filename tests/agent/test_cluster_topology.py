"""`opsgraph serve` correlates on the cluster's own shape: pods -> deployments -> nodes (agent.services)."""

from __future__ import annotations

import json
import time
from typing import Any

from opsgraph.agent.services import cluster_topology
from opsgraph.tools.alerts.pipeline import AlertPipeline


def test_topology_is_derived_from_the_cluster(cluster_settings: Any, sandbox: Any) -> None:
    topology = cluster_topology(cluster_settings)
    pods = sandbox.core().list_namespaced_pod("prod", label_selector="app=checkout").items
    pod = f"prod/{pods[0].metadata.name}"
    assert topology.kind(pod) == "pod"
    assert topology.service_of(pod) == "prod/checkout"
    assert topology.host_of(pod) == pods[0].spec.node_name
    assert topology.kind(pods[0].spec.node_name) == "node"


def test_pod_alerts_resolve_to_their_deployment(cluster_settings: Any, sandbox: Any, tmp_path: Any) -> None:
    pods = sandbox.core().list_namespaced_pod("prod", label_selector="app=payments").items
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    alerts = [
        {"labels": {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "prod",
                    "pod": p.metadata.name},
         "annotations": {"summary": "crash looping"}, "startsAt": now}
        for p in pods
    ]  # fmt: skip
    pipeline = AlertPipeline.open(tmp_path / "alerts.sqlite", cluster_topology(cluster_settings))
    document = {"version": "4", "status": "firing", "receiver": "opsgraph", "groupKey": "{}", "groupLabels": {},
                "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts}  # fmt: skip
    pipeline.receive(document, json.dumps(document).encode())
    (incident,) = pipeline.snapshots()
    assert incident.causes[0].entity == "prod/payments"


def test_an_unreachable_cluster_means_no_topology_not_a_crash(tmp_path: Any) -> None:
    from opsgraph.agent.settings import Settings

    settings = Settings(state_dir=tmp_path, cluster="kubeconfig", kubeconfig=tmp_path / "missing")
    assert "anything" not in cluster_topology(settings)


def test_the_cluster_topology_never_splits_an_outage_that_no_topology_keeps_together(
    cluster_settings: Any, sandbox: Any, tmp_path: Any
) -> None:
    """A database outage seen as alerts on four services' pods within a minute: the cluster's shape
    (pods -> deployments -> nodes) knows nothing of which service calls which, so it must not be
    read as "unrelated"; correlating with it must never give more incidents than without it."""
    from opsgraph.tools.alerts.topology import EMPTY

    now = time.time()
    alerts = []
    for offset, (app, alertname, severity) in enumerate(
        [("payments", "KubePodCrashLooping", "critical"), ("checkout", "HighErrorRate", "warning"),
         ("cart", "HighLatency", "warning"), ("frontend", "HighErrorRate", "warning")]
    ):  # fmt: skip
        pod = sandbox.core().list_namespaced_pod("prod", label_selector=f"app={app}").items[0].metadata.name
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60 + offset * 10))
        alerts.append(
            {"labels": {"alertname": alertname, "severity": severity, "namespace": "prod", "pod": pod},
             "annotations": {"summary": f"{alertname} on {app}"}, "startsAt": started}
        )  # fmt: skip
    document = {"version": "4", "status": "firing", "receiver": "opsgraph", "groupKey": "{}", "groupLabels": {},
                "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts}  # fmt: skip
    counts, first_causes = {}, {}
    for name, topology in (("none", EMPTY), ("cluster", cluster_topology(cluster_settings))):
        pipeline = AlertPipeline.open(tmp_path / f"{name}.sqlite", topology)
        pipeline.receive(document, json.dumps(document).encode())
        snapshots = pipeline.snapshots()
        counts[name], first_causes[name] = len(snapshots), snapshots[0].causes[0].entity
    assert counts["cluster"] <= counts["none"] == 1
    # The critical crash loop stays the first suspect, not one of the warnings downstream.
    assert all("payments" in entity for entity in first_causes.values())
