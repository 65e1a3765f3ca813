"""One container's step in a kubelet sync: run it, restart it after an exit (with back-off), fail
its pull or its config, or fail its readiness probe; the container status and the events a kubelet
records for each. The kubelet (`kubelet.py`) decides which step applies and owns the pod status."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .config import Behaviour
from .meta import Obj, iso
from .quantity import QuantityError, parse_quantity
from .store import Store

if TYPE_CHECKING:
    from .kubelet import Kubelet

_WAITING_TO_START = ("ContainerCreating", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")
DEFAULT_PROBE_PERIOD = 10.0


def env_error(store: Store, pod: Obj, container: dict[str, Any]) -> str | None:
    """The error a kubelet reports when the container's environment cannot be built from ConfigMaps
    (CreateContainerConfigError), or None. Optional references never fail."""
    namespace = pod["metadata"].get("namespace", "")
    for env in container.get("env") or []:
        ref = (env.get("valueFrom") or {}).get("configMapKeyRef") if isinstance(env, dict) else None
        if not ref or ref.get("optional"):
            continue
        name, key = str(ref.get("name", "")), str(ref.get("key", ""))
        configmap = store.get("configmaps", namespace, name)
        if configmap is None:
            return f'configmap "{name}" not found'
        if key not in (configmap.get("data") or {}) and key not in (configmap.get("binaryData") or {}):
            return f"couldn't find key {key} in ConfigMap {namespace}/{name}"
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef") if isinstance(source, dict) else None
        if ref and not ref.get("optional") and store.get("configmaps", namespace, str(ref.get("name", ""))) is None:
            return f'configmap "{ref.get("name", "")}" not found'
    return None


def probe_period(pod: Obj) -> float:
    periods = [
        float((c.get("readinessProbe") or {}).get("periodSeconds", DEFAULT_PROBE_PERIOD))
        for c in (pod.get("spec") or {}).get("containers") or []
        if c.get("readinessProbe")
    ]
    return min(periods, default=DEFAULT_PROBE_PERIOD)


def waiting_to_start(reason: str | None) -> bool:
    return reason in _WAITING_TO_START


def memory_limit(container: dict[str, Any]) -> Decimal | None:
    value = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if value is None:
        return None
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


class Step:
    """Mutates `cs` (a copy of the container's status) and records the kubelet's events."""

    def __init__(
        self,
        kubelet: Kubelet,
        pod: Obj,
        container: dict[str, Any],
        cs: dict[str, Any],
        now: float,
        quiet: bool,
        backoff: float,
    ) -> None:
        self.kubelet = kubelet
        self.pod = pod
        self.container = container
        self.name = str(container["name"])
        self.image = str(container.get("image", ""))
        self.cs = cs
        self.now = now
        self.quiet = quiet
        self.backoff = backoff
        self.started = False  # a container instance started in this step (its logs begin now)

    # -- events --------------------------------------------------------------------------------
    def _emit(self, reason: str, message: str, *, warning: bool = False) -> None:
        if not self.quiet:
            self.kubelet._emit(self.pod, reason, message, self.now, container=self.name, warning=warning)

    def _emit_pulled(self) -> None:
        if self.cs.get("imageID"):
            self._emit("Pulled", f'Container image "{self.image}" already present on machine')
            return
        digest = hashlib.sha256(self.image.encode()).digest()
        took = 1.0 + (digest[2] % 40) / 10
        self._emit(
            "Pulled",
            f'Successfully pulled image "{self.image}" in {took:.3f}s ({took:.3f}s including waiting). '
            f"Image size: {40_000_000 + digest[3] * 1_000_000} bytes.",
        )
        self.cs["imageID"] = self.kubelet._image_id(self.image)

    def _create_and_start(self) -> str:
        self._emit_pulled()
        container_id = self.kubelet._container_id(self.pod, self.name, int(self.cs.get("restartCount", 0)))
        self.cs["containerID"] = container_id
        self.started = True
        self._emit("Created", f"Created container: {self.name}")
        self._emit("Started", f"Started container {self.name}")
        return container_id

    # -- states --------------------------------------------------------------------------------
    @property
    def _state(self) -> dict[str, Any]:
        return dict(self.cs.get("state") or {})

    def _restarting(self) -> bool:
        """A start now is a restart: the container ran before (it exited, or is in back-off)."""
        state = self._state
        waiting = (state.get("waiting") or {}).get("reason")
        return "terminated" in state or waiting == "CrashLoopBackOff"

    def run(self, *, ready: bool) -> None:
        """The container runs (started now unless it already was)."""
        if "running" not in self._state:
            if self._restarting():
                self.cs["restartCount"] = int(self.cs.get("restartCount", 0)) + 1
            self._create_and_start()
            self.cs["state"] = {"running": {"startedAt": iso(self.now)}}
        self.cs.update(ready=ready, started=True)

    def probe_failed(self, message: str, first: bool) -> None:
        if not first:
            self._emit("Unhealthy", f"Readiness probe failed: {message}", warning=True)
        self.cs["ready"] = False

    def pull_failed(self, message: str, first: bool) -> None:
        if not first:
            self._emit("Pulling", f'Pulling image "{self.image}"')
        self._emit("Failed", f'Failed to pull image "{self.image}": {message}', warning=True)
        self._emit("Failed", "Error: ErrImagePull", warning=True)
        if first:
            self.cs["state"] = {"waiting": {"reason": "ErrImagePull", "message": message}}
        else:
            self._emit("BackOff", f'Back-off pulling image "{self.image}"', warning=True)
            self.cs["state"] = {
                "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{self.image}"'}
            }
        self.cs.update(ready=False, started=False)

    def config_failed(self, message: str) -> None:
        if "running" in self._state:  # the environment is resolved once, when the container starts
            return
        self._emit_pulled()
        self._emit("Failed", f"Error: {message}", warning=True)
        self.cs["state"] = {"waiting": {"reason": "CreateContainerConfigError", "message": message}}
        self.cs.update(ready=False, started=False)

    def exited(self, behaviour: Behaviour, first: bool) -> None:
        """The container (re)starts and exits: Error with its exit code, or OOMKilled (137)."""
        oom = behaviour.outcome == "oom"
        reason, code = ("OOMKilled", 137) if oom else ("Error", behaviour.exit_code)
        state = self._state
        ran_since = (state.get("running") or {}).get("startedAt")
        uptime = 0.0
        if oom:  # memory grows until the limit: it ran a while
            uptime = self.kubelet.config.scaled(
                20 + hashlib.sha256(self.pod["metadata"]["name"].encode()).digest()[4] % 60
            )
        if first or not (ran_since or self._restarting()):
            container_id = self._create_and_start()
            self.cs["state"] = {
                "terminated": {
                    "exitCode": code,
                    "reason": reason,
                    "startedAt": iso(self.now - uptime),
                    "finishedAt": iso(self.now),
                    "containerID": container_id,
                }
            }
            self.cs.update(ready=False, started=False)
        else:
            self.cs["restartCount"] = int(self.cs.get("restartCount", 0)) + 1
            if ran_since is None:  # restarted after its back-off, and exited again
                container_id = self._create_and_start()
                started_at = iso(self.now - uptime)
            else:  # a running container dies in place
                container_id = str(self.cs.get("containerID", ""))
                started_at = ran_since
            pod_md = self.pod["metadata"]
            self._emit(
                "BackOff",
                f"Back-off restarting failed container {self.name} in pod "
                f"{pod_md['name']}_{pod_md['namespace']}({pod_md['uid']})",
                warning=True,
            )
            self.cs["lastState"] = {
                "terminated": {
                    "exitCode": code,
                    "reason": reason,
                    "startedAt": started_at,
                    "finishedAt": iso(self.now),
                    "containerID": container_id,
                }
            }
            seconds = int(self.backoff / self.kubelet.config.time_scale)
            self.cs["state"] = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off {seconds}s restarting failed container={self.name} "
                    f"pod={pod_md['name']}_{pod_md['namespace']}({pod_md['uid']})",
                }
            }
            self.cs.update(ready=False, started=False)
        if oom and not self.quiet:
            self._oom_event()

    def _oom_event(self) -> None:
        """What node-problem-detector's kernel monitor reports on the node when the cgroup OOM killer fires."""
        node_name = (self.pod.get("spec") or {}).get("nodeName")
        node = self.kubelet.store.get("nodes", "", str(node_name)) if node_name else None
        if node is None:
            return
        limit = memory_limit(self.container) or Decimal(512 * 2**20)
        digest = hashlib.sha256(f"{self.pod['metadata']['uid']}{self.cs.get('restartCount', 0)}".encode()).digest()
        rss_kb = int(limit / 1024) - digest[0] * 4
        pid = 2000 + int.from_bytes(digest[1:3], "big") % 60000
        self.kubelet.events.record(
            node,
            "OOMKilling",
            f"Memory cgroup out of memory: Killed process {pid} ({self.name}) total-vm:{rss_kb * 3}kB, "
            f"anon-rss:{rss_kb}kB, file-rss:{digest[2] * 40}kB, shmem-rss:0kB, UID:1000 "
            f"pgtables:{rss_kb // 500}kB oom_score_adj:{_oom_score_adj(self.pod)}",
            type_="Warning",
            component="kernel-monitor",
            host=str(node_name),
            now=self.now,
        )


def _oom_score_adj(pod: Obj) -> int:
    qos = (pod.get("status") or {}).get("qosClass")
    return {"Guaranteed": -997, "BestEffort": 1000}.get(str(qos), 968)
