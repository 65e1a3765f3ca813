"""Talks to the Kubernetes API through the official client; the tools in this package decide.

Objects come back as the plain JSON dicts the API sends (`_preload_content=False`): the tools
read a handful of fields through `_views`, and skipping the client's model deserialisation keeps a
status turn within the agent's latency budget. API and transport errors become the typed tool
errors in `opsgraph.tools.errors`, with the API's own message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opsgraph.tools.errors import Conflict, Failed, Forbidden, InvalidInput, NotFound, ToolError, Unavailable

Obj = dict[str, Any]

_UNREACHABLE_HINT = (
    "is the cluster up? check OPSGRAPH_CLUSTER / OPSGRAPH_KUBECONFIG, or start the sandbox with `opsgraph sandbox`"
)


class ClusterClient:
    def __init__(self, api_client: Any, *, timeout_s: float) -> None:
        from kubernetes import client

        self._api_client = api_client
        self._core = client.CoreV1Api(api_client)
        self._apps = client.AppsV1Api(api_client)
        self._timeout = timeout_s
        self.server: str = api_client.configuration.host

    @classmethod
    def from_kubeconfig(cls, path: Path | None, *, context: str | None, timeout_s: float) -> ClusterClient:
        from kubernetes import config
        from kubernetes.config.config_exception import ConfigException

        try:
            api_client = config.new_client_from_config(
                config_file=str(path) if path else None, context=context, persist_config=False
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise Unavailable(f"cannot load kubeconfig {path or '(default)'}: {exc}") from exc
        _fail_fast(api_client)
        return cls(api_client, timeout_s=timeout_s)

    @classmethod
    def in_cluster(cls, *, timeout_s: float) -> ClusterClient:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        configuration = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise Unavailable(f"not running inside a cluster: {exc}") from exc
        api_client = client.ApiClient(configuration)
        _fail_fast(api_client)
        return cls(api_client, timeout_s=timeout_s)

    # -- reads -------------------------------------------------------------------------------
    def namespaces(self) -> list[Obj]:
        return self._items(self._core.list_namespace)

    def nodes(self) -> list[Obj]:
        return self._items(self._core.list_node)

    def node(self, name: str) -> Obj:
        return self._call(self._core.read_node, name)

    def autoscalers(self, namespace: str) -> list[Obj]:
        """autoscaling/v2 HorizontalPodAutoscalers of a namespace."""
        from kubernetes import client

        api = client.AutoscalingV2Api(self._api_client)
        return self._items(api.list_namespaced_horizontal_pod_autoscaler, namespace)

    def deployments(self, namespace: str | None = None) -> list[Obj]:
        if namespace is None:
            return self._items(self._apps.list_deployment_for_all_namespaces)
        return self._items(self._apps.list_namespaced_deployment, namespace)

    def deployment(self, namespace: str, name: str) -> Obj:
        return self._call(self._apps.read_namespaced_deployment, name, namespace)

    def all_replicasets(self) -> list[Obj]:
        return self._items(self._apps.list_replica_set_for_all_namespaces)

    def replicasets(self, namespace: str, label_selector: str) -> list[Obj]:
        return self._items(self._apps.list_namespaced_replica_set, namespace, label_selector=label_selector)

    def pods(self, namespace: str | None, label_selector: str | None = None) -> list[Obj]:
        if namespace is None:
            return self._items(self._core.list_pod_for_all_namespaces, label_selector=label_selector)
        return self._items(self._core.list_namespaced_pod, namespace, label_selector=label_selector)

    def events(self, namespace: str, field_selector: str | None = None) -> list[Obj]:
        return self._items(self._core.list_namespaced_event, namespace, field_selector=field_selector)

    def pod_log(self, namespace: str, pod: str, *, container: str | None, tail_lines: int, previous: bool) -> str:
        with self._translated():
            response = self._core.read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                tail_lines=tail_lines,
                previous=previous or None,
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            data: bytes = response.data  # type: ignore[attr-defined]  # raw urllib3 response
            return data.decode("utf-8", errors="replace")

    # -- writes ------------------------------------------------------------------------------
    def patch_deployment(self, namespace: str, name: str, patch: Obj | list[Obj], *, dry_run: bool) -> Obj:
        return self._call(
            self._apps.patch_namespaced_deployment,
            name,
            namespace,
            patch,
            dry_run="All" if dry_run else None,
            field_manager="opsgraph",
        )

    def scale_deployment(self, namespace: str, name: str, replicas: int, *, dry_run: bool) -> Obj:
        return self._call(
            self._apps.patch_namespaced_deployment_scale,
            name,
            namespace,
            {"spec": {"replicas": replicas}},
            dry_run="All" if dry_run else None,
            field_manager="opsgraph",
        )

    def watch_deployment(self, namespace: str, name: str, timeout_s: float) -> Iterator[Obj]:
        """Yield the deployment each time it changes, for at most `timeout_s` seconds."""
        from kubernetes import watch

        watcher = watch.Watch()
        with self._translated():
            for event in watcher.stream(
                self._apps.list_namespaced_deployment,
                namespace,
                field_selector=f"metadata.name={name}",
                timeout_seconds=max(1, int(timeout_s)),
                _request_timeout=timeout_s + 5,
            ):
                if event["type"] in ("ADDED", "MODIFIED"):
                    yield event["raw_object"]

    # -- plumbing ----------------------------------------------------------------------------
    def _items(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Obj]:
        body = self._call(method, *args, **kwargs)
        items: list[Obj] = body.get("items") or []
        return items

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Obj:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        with self._translated():
            response = method(*args, _preload_content=False, _request_timeout=self._timeout, **kwargs)
            parsed: Obj = json.loads(response.data)
            return parsed

    @contextmanager
    def _translated(self) -> Iterator[None]:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            yield
        except ApiException as exc:
            raise _api_error(exc) from exc
        except HTTPError as exc:
            raise Unavailable(f"cannot reach the Kubernetes API at {self.server}", hint=_UNREACHABLE_HINT) from exc


def _fail_fast(api_client: Any) -> None:
    # One retry hides a dropped keep-alive connection; more would stall a chat turn for seconds.
    api_client.configuration.retries = 1
    api_client.user_agent = "opsgraph"


def _api_error(exc: Any) -> ToolError:
    message = exc.reason or "request failed"
    reason = ""
    try:
        status = json.loads(exc.body or "{}")
        message = status.get("message") or message
        reason = status.get("reason") or ""
    except (TypeError, ValueError):
        pass
    code = exc.status or 0
    if code == 404:
        return NotFound(message)
    if code in (401, 403):
        return Forbidden(message, hint="the credentials in use lack RBAC permission for this")
    if code == 409:
        return Conflict(message, hint="someone changed it at the same time; look again and retry")
    if code in (400, 422):
        return InvalidInput(message)
    if code >= 500 or code == 0:
        return Unavailable(f"the Kubernetes API failed ({code} {reason}): {message}")
    return Failed(f"the Kubernetes API refused the request ({code} {reason}): {message}")
