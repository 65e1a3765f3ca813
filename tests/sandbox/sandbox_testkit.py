"""Helpers for the sandbox tests: official-client handles on a server, polling, rollout checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config

from opsgraph.sandbox.server import SandboxServer

# 0.02: a pod starts in ~60 ms, a crash back-off is 200 ms, a 10 s progress deadline is 200 ms.
TIME_SCALE = 0.02


@dataclass
class Cluster:
    server: SandboxServer
    apps: client.AppsV1Api
    core: client.CoreV1Api
    kubeconfig: Path


def connect(server: SandboxServer, kubeconfig: Path) -> Cluster:
    api_client = config.new_client_from_config(config_file=str(server.write_kubeconfig(kubeconfig)))
    return Cluster(server, client.AppsV1Api(api_client), client.CoreV1Api(api_client), kubeconfig)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until `predicate()` is truthy; its value, or AssertionError naming the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def rollout_complete(apps: client.AppsV1Api, namespace: str, name: str) -> bool:
    dep = apps.read_namespaced_deployment(name, namespace)
    status, want = dep.status, dep.spec.replicas
    return bool(
        (status.observed_generation or 0) >= dep.metadata.generation
        and (status.updated_replicas or 0) == want
        and (status.replicas or 0) == want
        and (status.available_replicas or 0) == want
    )


def revision(obj: Any) -> int:
    return int(obj.metadata.annotations["deployment.kubernetes.io/revision"])


def owned_replicasets(apps: client.AppsV1Api, namespace: str, name: str) -> list[Any]:
    dep = apps.read_namespaced_deployment(name, namespace)
    return [
        rs
        for rs in apps.list_namespaced_replica_set(namespace).items
        if any(ref.uid == dep.metadata.uid and ref.controller for ref in rs.metadata.owner_references or [])
    ]
