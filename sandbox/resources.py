"""The resource types the sandbox serves, and the discovery documents that describe them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
    "gitTreeState": "clean",
    "buildDate": "2024-12-10T11:36:47Z",
    "goVersion": "go1.22.9",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_READ = ("get", "list", "watch")
_WRITE = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")

_META_FIELDS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class ResourceType:
    plural: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    field_labels: tuple[str, ...] = _META_FIELDS

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def allows(self, verb: str) -> bool:
        return verb in self.verbs


_EVENT_FIELDS = (
    *_META_FIELDS,
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
_POD_FIELDS = (
    *_META_FIELDS,
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
)

RESOURCES: dict[tuple[str, str], ResourceType] = {
    (r.group, r.plural): r
    for r in (
        ResourceType(
            "namespaces",
            "namespace",
            "Namespace",
            "",
            "v1",
            False,
            _READ,
            ("ns",),
            field_labels=(*_META_FIELDS, "status.phase"),
        ),
        ResourceType(
            "nodes",
            "node",
            "Node",
            "",
            "v1",
            False,
            (*_READ, "patch", "update"),  # cordon, labels, taints
            ("no",),
            ("status",),
            field_labels=("metadata.name", "spec.unschedulable"),
        ),
        ResourceType(
            "pods",
            "pod",
            "Pod",
            "",
            "v1",
            True,
            ("delete", "get", "list", "watch"),
            ("po",),
            ("log", "status", "eviction"),
            _POD_FIELDS,
        ),
        ResourceType("events", "event", "Event", "", "v1", True, _READ, ("ev",), field_labels=_EVENT_FIELDS),
        ResourceType("configmaps", "configmap", "ConfigMap", "", "v1", True, _WRITE, ("cm",)),
        ResourceType(
            "deployments",
            "deployment",
            "Deployment",
            "apps",
            "v1",
            True,
            _WRITE,
            ("deploy",),
            ("scale", "status"),
        ),
        ResourceType(
            "poddisruptionbudgets",
            "poddisruptionbudget",
            "PodDisruptionBudget",
            "policy",
            "v1",
            True,
            _WRITE,
            ("pdb",),
            ("status",),
        ),
        ResourceType(
            "horizontalpodautoscalers",
            "horizontalpodautoscaler",
            "HorizontalPodAutoscaler",
            "autoscaling",
            "v2",
            True,
            _READ,
            ("hpa",),
            ("status",),
        ),
        ResourceType(
            "replicasets",
            "replicaset",
            "ReplicaSet",
            "apps",
            "v1",
            True,
            _READ,
            ("rs",),
            ("status",),
            (*_META_FIELDS, "status.replicas"),
        ),
        ResourceType(
            "jobs", "job", "Job", "batch", "v1", True, _WRITE, (), ("status",), (*_META_FIELDS, "status.successful")
        ),
    )
}

DEPLOYMENTS = RESOURCES[("apps", "deployments")]
REPLICASETS = RESOURCES[("apps", "replicasets")]
PODS = RESOURCES[("", "pods")]
EVENTS = RESOURCES[("", "events")]
NODES = RESOURCES[("", "nodes")]
NAMESPACES = RESOURCES[("", "namespaces")]
CONFIGMAPS = RESOURCES[("", "configmaps")]
PDBS = RESOURCES[("policy", "poddisruptionbudgets")]
HPAS = RESOURCES[("autoscaling", "horizontalpodautoscalers")]
JOBS = RESOURCES[("batch", "jobs")]

GROUP_VERSIONS: dict[str, tuple[str, str]] = {
    "v1": ("", "v1"),
    "apps/v1": ("apps", "v1"),
    "policy/v1": ("policy", "v1"),
    "autoscaling/v2": ("autoscaling", "v2"),
    "batch/v1": ("batch", "v1"),
    "metrics.k8s.io/v1beta1": ("metrics.k8s.io", "v1beta1"),  # served by `metrics.py`, not the store
}
# The preferred (only) version of each API group.
_GROUPS = {"apps": "v1", "policy": "v1", "autoscaling": "v2", "batch": "v1", "metrics.k8s.io": "v1beta1"}


def lookup(group: str, plural: str) -> ResourceType | None:
    return RESOURCES.get((group, plural))


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_doc(group: str) -> dict[str, Any]:
    version = {"groupVersion": f"{group}/{_GROUPS[group]}", "version": _GROUPS[group]}
    return {"name": group, "versions": [version], "preferredVersion": version}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_doc(g) for g in _GROUPS]}


def api_group(group: str) -> dict[str, Any] | None:
    if group not in _GROUPS:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group)}


def resource_list(group_version: str) -> dict[str, Any] | None:
    if group_version not in GROUP_VERSIONS:
        return None
    if group_version == "metrics.k8s.io/v1beta1":
        from .metrics import resource_list as metrics_resources

        return metrics_resources()
    group, _ = GROUP_VERSIONS[group_version]
    entries: list[dict[str, Any]] = []
    for rtype in sorted((r for r in RESOURCES.values() if r.group == group), key=lambda r: r.plural):
        entries.append(
            {
                "name": rtype.plural,
                "singularName": rtype.singular,
                "namespaced": rtype.namespaced,
                "kind": rtype.kind,
                "verbs": list(rtype.verbs),
                **({"shortNames": list(rtype.short_names)} if rtype.short_names else {}),
            }
        )
        for sub in rtype.subresources:
            entries.append(_subresource_entry(rtype, sub))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": entries,
    }


def _subresource_entry(rtype: ResourceType, sub: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{rtype.plural}/{sub}",
        "singularName": "",
        "namespaced": rtype.namespaced,
    }
    if sub == "scale":
        entry.update(group="autoscaling", version="v1", kind="Scale", verbs=["get", "patch", "update"])
    elif sub == "log":
        entry.update(kind="Pod", verbs=["get"])
    elif sub == "eviction":
        entry.update(group="policy", version="v1", kind="Eviction", verbs=["create"])
    else:
        entry.update(kind=rtype.kind, verbs=["get"])
    return entry
