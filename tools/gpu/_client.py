"""The API calls GPU rebalancing needs beyond the k8s capability's client: disruption budgets,
node patches (cordon, labels, taints), evictions, the device-plugin ConfigMap, and dcgm-exporter
scraped through the API server's service proxy. It rides on the same authenticated connection
and error translation as `opsgraph.tools.k8s._client.ClusterClient`."""

from __future__ import annotations

from typing import Any

from opsgraph.core.kube_access import KubeAccess
from opsgraph.tools.k8s._client import ClusterClient, Obj

# What reading the GPU picture asks the API for: nodes, pods, disruption budgets, dcgm-exporter.
OBSERVE_ACCESS = (
    KubeAccess("", "nodes", ("list",)),
    KubeAccess("", "pods", ("list",)),
    KubeAccess("policy", "poddisruptionbudgets", ("list",)),
    KubeAccess("", "services/proxy", ("get",)),
)
# What applying a plan adds: cordon, MIG / device-plugin labels and the shared taint (node
# patches), evictions, scaling idle workloads to zero, the time-slicing ConfigMap entry, and
# patching converted Deployments to request a slice.
APPLY_ACCESS = (
    KubeAccess("", "nodes", ("get", "patch")),
    KubeAccess("", "pods", ("get", "list")),
    KubeAccess("", "pods/eviction", ("create",)),
    KubeAccess("", "configmaps", ("get", "create", "patch")),
    KubeAccess("apps", "deployments", ("get", "patch")),
    KubeAccess("apps", "deployments/scale", ("patch",)),
)


class GpuApi:
    def __init__(self, cluster: ClusterClient) -> None:
        from kubernetes import client

        self.cluster = cluster
        api_client = cluster._api_client  # one connection pool and credentials for both
        self._core = client.CoreV1Api(api_client)
        self._policy = client.PolicyV1Api(api_client)

    def nodes(self) -> list[Obj]:
        return self.cluster.nodes()

    def pods(self) -> list[Obj]:
        return self.cluster.pods(None)

    def pdbs(self) -> list[Obj]:
        return self.cluster._items(self._policy.list_pod_disruption_budget_for_all_namespaces)

    def node(self, name: str) -> Obj:
        return self.cluster._call(self._core.read_node, name)

    def pod(self, namespace: str, name: str) -> Obj:
        return self.cluster._call(self._core.read_namespaced_pod, name, namespace)

    def patch_node(self, name: str, patch: Obj, *, dry_run: bool = False) -> Obj:
        return self.cluster._call(
            self._core.patch_node, name, patch, dry_run="All" if dry_run else None, field_manager="opsgraph"
        )

    def evict(self, namespace: str, name: str, *, dry_run: bool = False) -> Obj:
        body: dict[str, Any] = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        if dry_run:
            body["deleteOptions"] = {"dryRun": ["All"]}
        return self.cluster._call(self._core.create_namespaced_pod_eviction, name, namespace, body)

    def scale(self, namespace: str, name: str, replicas: int, *, dry_run: bool = False) -> Obj:
        return self.cluster.scale_deployment(namespace, name, replicas, dry_run=dry_run)

    def deployment(self, namespace: str, name: str) -> Obj:
        return self.cluster.deployment(namespace, name)

    def configmap(self, namespace: str, name: str) -> Obj:
        return self.cluster._call(self._core.read_namespaced_config_map, name, namespace)

    def create_configmap(self, namespace: str, body: Obj) -> Obj:
        return self.cluster._call(self._core.create_namespaced_config_map, namespace, body, field_manager="opsgraph")

    def patch_configmap(self, namespace: str, name: str, patch: Obj) -> Obj:
        return self.cluster._call(
            self._core.patch_namespaced_config_map, name, namespace, patch, field_manager="opsgraph"
        )

    def patch_deployment(self, namespace: str, name: str, patch: Obj) -> Obj:
        return self.cluster.patch_deployment(namespace, name, patch, dry_run=False)

    def dcgm_metrics(self, service: str) -> str:
        """dcgm-exporter's /metrics through the API server (`namespace/service:port`)."""
        namespace, _, rest = service.partition("/")
        with self.cluster._translated():
            response = self._core.connect_get_namespaced_service_proxy_with_path(
                rest, namespace, "metrics", _preload_content=False, _request_timeout=self.cluster._timeout
            )
            data: bytes = response.data  # type: ignore[attr-defined]  # raw urllib3 response
            return data.decode("utf-8", errors="replace")
