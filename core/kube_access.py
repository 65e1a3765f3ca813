"""What a piece of opsgraph needs from the Kubernetes API, declared next to the code that needs it.

A tool that talks to the cluster declares `kube_access=(KubeAccess("apps", "deployments", ("get",
"patch")), ...)` in its `@REGISTRY.tool(...)`; the ServiceAccount's ClusterRole is generated from
these declarations (`opsgraph deploy rbac`), and a test runs the tools against the sandbox and
checks that every request they make is declared.

Names are RBAC's: `group` is the API group ("" for the core group), `resource` the plural name,
with a subresource after a slash ("deployments/scale", "pods/log", "pods/eviction",
"services/proxy"), `verbs` RBAC verbs (a watch is "watch", a dry-run patch is still "patch").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
_GROUP = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$")
_RESOURCE = re.compile(r"^[a-z][a-z0-9]*(/[a-z][a-z0-9]*)?$")


@dataclass(frozen=True, order=True)
class KubeAccess:
    group: str
    resource: str
    verbs: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _GROUP.match(self.group):
            raise ValueError(f"KubeAccess: {self.group!r} is not an API group name ('' for the core group)")
        if not _RESOURCE.match(self.resource):
            raise ValueError(f"KubeAccess: {self.resource!r} is not a plural resource name (optionally /subresource)")
        unknown = [v for v in self.verbs if v not in VERBS]
        if not self.verbs or unknown:
            raise ValueError(f"KubeAccess {self.group}/{self.resource}: verbs must be among {', '.join(VERBS)}")

    def triples(self) -> set[tuple[str, str, str]]:
        return {(self.group, self.resource, verb) for verb in self.verbs}


def triples(accesses: Iterable[KubeAccess]) -> set[tuple[str, str, str]]:
    """(group, resource, verb) for every verb of every declaration."""
    out: set[tuple[str, str, str]] = set()
    for access in accesses:
        out |= access.triples()
    return out
