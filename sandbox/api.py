"""The REST API over the cluster: routing, discovery, reads, lists (selectors, pagination), pod
logs, and the plan of a watch (the HTTP layer streams it). Writes live in `writes.py`."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from . import dcgm, errors, metrics, resources
from .cluster import Cluster
from .containers import waiting_to_start
from .faults import admin
from .logs import LogRequest, render
from .meta import Obj
from .routing import Discovery, Route, parse_path
from .selectors import (
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from .tables import table, wants_table
from .writes import Writer, scale_of

TRUE = frozenset({"1", "t", "true", "True", "TRUE"})
DEFAULT_WATCH_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    accept: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class WatchPlan:
    route: Route
    labels: LabelSelector
    fields: FieldSelector
    resource_version: str | None
    timeout: float
    as_table: bool = False


def dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def error_response(exc: errors.ApiError) -> Response:
    return Response(exc.code, dumps(exc.status()))


class Api:
    def __init__(self, cluster: Cluster, server_address: str) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.server_address = server_address
        self.writer = Writer(cluster)

    def handle(self, req: Request) -> Response | WatchPlan:
        if req.path.startswith("/sandbox/"):  # the fault admin endpoint, not a Kubernetes path
            status, document = admin.handle(self.cluster, req.method, req.path, req.query, req.body)
            return Response(status, dumps(document))
        try:
            proxied = dcgm.proxy(self.cluster, req.method, req.path)
            if proxied is not None:
                return Response(200, proxied, "text/plain; version=0.0.4; charset=utf-8")
            measured = metrics.handle(self.cluster, req.method, req.path)
            if measured is not None:
                return Response(200, dumps(measured))
            target = parse_path(req.path)
            if isinstance(target, Discovery):
                if req.method != "GET":
                    raise errors.method_not_allowed()
                return self._discovery(target)
            return self._resource(req, target)
        except errors.ApiError as exc:
            return error_response(exc)

    def _discovery(self, target: Discovery) -> Response:
        if target.document == "health":
            return Response(200, b"ok", "text/plain; charset=utf-8")
        document: dict[str, Any] | None
        if target.document == "version":
            document = resources.SERVER_VERSION
        elif target.document == "api":
            document = resources.api_versions(self.server_address)
        elif target.document == "apis":
            document = resources.api_group_list()
        elif target.document == "group":
            document = resources.api_group(target.group)
        else:
            document = resources.resource_list(target.group_version)
        if document is None:
            raise errors.path_not_found()
        return Response(200, dumps(document))

    def _resource(self, req: Request, route: Route) -> Response | WatchPlan:
        verb = _verb(req.method, route)
        if not route.rtype.allows(verb) and route.subresource is None:
            raise errors.method_not_allowed()
        if verb in ("create", "update", "patch", "delete", "deletecollection"):
            status, document = self.writer.handle(verb, route, req.query, req.content_type, req.body)
            return Response(status, dumps(document))
        if route.subresource == "log":
            return self._log(route, req.query)
        if route.subresource == "scale":
            return Response(200, dumps(scale_of(self._get(route))))
        if verb == "watch" or (route.name is None and req.query.get("watch") in TRUE):
            return self._watch_plan(route, req.query, wants_table(req.accept))
        as_table = wants_table(req.accept)
        if route.name is None:
            return Response(200, self._list(route, req.query, as_table))
        obj = self._get(route)
        if as_table and route.subresource is None:
            return Response(200, dumps(table(route.rtype, [obj], obj["metadata"].get("resourceVersion", ""))))
        return Response(200, dumps(obj))

    def _get(self, route: Route) -> Obj:
        assert route.name is not None
        with self.store.lock:
            obj = self.store.get(route.rtype.plural, route.namespace or "", route.name)
        if obj is None:
            raise errors.not_found(route.rtype.plural, route.rtype.group, route.name)
        return obj

    def _list(self, route: Route, query: dict[str, str], as_table: bool = False) -> bytes:
        rtype = route.rtype
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), rtype.field_labels)
        namespace = route.namespace or fields.exact("metadata.namespace")
        limit = _int(query, "limit") or 0
        start = _continue_from(query.get("continue"))
        with self.store.lock:
            rv = self.store.resource_version
            name = fields.exact("metadata.name")
            if name is not None and (namespace is not None or not rtype.namespaced):
                found = self.store.get(rtype.plural, namespace or "", name)
                candidates = [found] if found is not None else []
            else:
                candidates = self.store.sorted_items(rtype.plural, namespace)
        items = [o for o in candidates if labels.matches(o["metadata"].get("labels") or {}) and fields.matches(o)]
        if start is not None:
            items = [o for o in items if _key(o) > start]
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            remaining = len(items) - limit
            items = items[:limit]
            token = json.dumps({"rv": rv, "start": list(_key(items[-1]))}).encode()
            metadata["continue"] = base64.urlsafe_b64encode(token).decode()
            metadata["remainingItemCount"] = remaining
        if as_table:
            document = table(rtype, items, str(rv))
            document["metadata"] = metadata
            return dumps(document)
        document = {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": metadata,
            "items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items],
        }
        return dumps(document)

    def _watch_plan(self, route: Route, query: dict[str, str], as_table: bool) -> WatchPlan:
        timeout = _int(query, "timeoutSeconds")
        fields = parse_field_selector(query.get("fieldSelector"), route.rtype.field_labels)
        if route.name is not None:
            fields = FieldSelector((*fields.requirements, FieldRequirement("metadata.name", route.name, False)))
        return WatchPlan(
            route=route,
            labels=parse_label_selector(query.get("labelSelector")),
            fields=fields,
            resource_version=query.get("resourceVersion") or None,
            timeout=float(timeout) if timeout is not None and timeout > 0 else DEFAULT_WATCH_TIMEOUT,
            as_table=as_table,
        )

    def _log(self, route: Route, query: dict[str, str]) -> Response:
        pod = self._get(route)
        name = pod["metadata"]["name"]
        containers = [c["name"] for c in pod["spec"].get("containers") or []]
        container = query.get("container")
        if not container:
            if len(containers) != 1:
                raise errors.bad_request(
                    f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
                )
            container = containers[0]
        if container not in containers:
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        statuses = {c["name"]: c for c in (pod.get("status") or {}).get("containerStatuses") or []}
        status = statuses.get(container) or {}
        state = status.get("state") or {}
        previous = query.get("previous") in TRUE
        waiting = (state.get("waiting") or {}).get("reason")
        if previous and not status.get("restartCount"):
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        if not previous and (not status or waiting_to_start(waiting)):
            detail = (
                "trying and failing to pull image"
                if waiting in ("ErrImagePull", "ImagePullBackOff")
                else waiting or "ContainerCreating"
            )
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {detail}')
        spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
        image = spec.get("image", "")
        now = time.time()
        started = self.store.timers.get(f"{pod['metadata']['uid']}:started", now)
        with self.store.lock:
            outcome = self.cluster.controller.kubelet.behaviour(pod, spec).outcome
            story = self.cluster.controller.faults.story(pod, spec)
        crashing = outcome == "crash"
        if previous:
            started = started - self.cluster.config.backoff(0)
        tail = _int(query, "tailLines")
        since = _int(query, "sinceSeconds")
        if since is not None and since <= 0:
            raise errors.invalid(
                "PodLogOptions",
                "",
                name,
                [errors.invalid_value("sinceSeconds", since, "must be greater than 0")],
            )
        text = render(
            LogRequest(
                pod=name,
                namespace=route.namespace or "",
                container=container,
                image=str(image),
                started=started,
                now=now,
                interval=self.cluster.config.time_scale,
                tail=tail,
                since=float(since) if since else None,
                timestamps=query.get("timestamps") in TRUE,
                crashing=crashing,
                trouble=story,
            )
        )
        body = text.encode()
        limit_bytes = _int(query, "limitBytes")
        if limit_bytes is not None and limit_bytes > 0:
            body = body[:limit_bytes]
        return Response(200, body, "text/plain")


def _verb(method: str, route: Route) -> str:
    if method == "GET":
        if route.watch:
            return "watch"
        return "get" if route.name else "list"
    table = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
    if method == "POST" and route.subresource == "eviction":
        return "create"
    if method not in table or (method == "POST") != (route.name is None):
        if method == "DELETE" and route.name is None:
            return "deletecollection"
        raise errors.method_not_allowed()
    return table[method]


def _int(query: dict[str, str], key: str) -> int | None:
    value = query.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise errors.bad_request(f'invalid value for {key}: "{value}" is not an integer') from exc


def _key(obj: Obj) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _continue_from(token: str | None) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["start"][0]), str(data["start"][1])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise errors.bad_request("continue key is not valid: illegal base64 data") from exc
