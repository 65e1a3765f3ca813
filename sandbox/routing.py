"""URL paths of the Kubernetes REST API, parsed into what they address."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import path_not_found
from .resources import GROUP_VERSIONS, ResourceType, lookup


@dataclass(frozen=True)
class Discovery:
    """/version, /api, /apis, /apis/{group}, /api/v1, /apis/{group}/{version}."""

    document: str  # "version" | "api" | "apis" | "group" | "resources" | "health"
    group: str = ""
    group_version: str = ""


@dataclass(frozen=True)
class Route:
    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None
    watch: bool = False


def parse_path(path: str) -> Discovery | Route:
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise path_not_found()
    head = parts[0]
    if head == "version" and len(parts) == 1:
        return Discovery("version")
    if head in ("healthz", "livez", "readyz"):
        return Discovery("health")
    if head == "api":
        if len(parts) == 1:
            return Discovery("api")
        group, version, rest = "", parts[1], parts[2:]
    elif head == "apis":
        if len(parts) == 1:
            return Discovery("apis")
        if len(parts) == 2:
            return Discovery("group", group=parts[1])
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise path_not_found()
    group_version = f"{group}/{version}" if group else version
    if group_version not in GROUP_VERSIONS:
        raise path_not_found()
    if not rest:
        return Discovery("resources", group=group, group_version=group_version)
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    return _resource_route(group, rest, watch)


def _resource_route(group: str, rest: list[str], watch: bool) -> Route:
    namespace: str | None = None
    # /api/v1/namespaces/{ns}/{resource}/... is namespaced; /api/v1/namespaces/{name}/{sub} is the namespace.
    if len(rest) >= 3 and rest[0] == "namespaces" and not (group == "" and lookup("", rest[2]) is None):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise path_not_found()
    rtype = lookup(group, rest[0])
    if rtype is None or (namespace is not None and not rtype.namespaced):
        raise path_not_found()
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if rtype.namespaced and name is not None and namespace is None:
        raise path_not_found()
    if sub is not None and sub not in rtype.subresources:
        raise path_not_found()
    return Route(rtype, namespace, name, sub, watch)
