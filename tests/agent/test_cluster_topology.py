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
