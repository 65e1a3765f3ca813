"""The pod lifecycle a kubelet drives: bound -> pulling -> running (or crash-looping, or stuck on
image pull), graceful termination. Timings are simulated seconds scaled by `time_scale`."""

from __future__ import annotations

import hashlib
from typing import Any

from .config import Outcome, SimConfig, split_image
from .events import EventRecorder
from .meta import Obj, clone, hex_digest, iso
from .store import Store

_CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def _jitter(name: str) -> float:
    return 0.8 + (hashlib.sha256(name.encode()).digest()[0] / 255) * 0.4


def qos_class(spec: dict[str, Any]) -> str:
    containers = spec.get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, {**(r.get("limits") or {}), **(r.get("requests") or {})}
        if not all(k in limits and str(requests[k]) == str(limits[k]) for k in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


class Kubelet:
    def __init__(self, store: Store, events: EventRecorder, config: SimConfig) -> None:
        self.store = store
        self.events = events
        self.config = config

    # -- helpers -------------------------------------------------------------------------------
    def _uid(self, pod: Obj) -> str:
        return str(pod["metadata"]["uid"])

    def _emit(
        self,
        pod: Obj,
        reason: str,
        message: str,
        now: float,
        *,
        container: str | None = None,
        warning: bool = False,
    ) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        self.events.record(
            pod,
            reason,
            message,
            type_="Warning" if warning else "Normal",
            component="kubelet",
            host=node,
            field_path=f"spec.containers{{{container}}}" if container else None,
            now=now,
        )

    def _outcome(self, container: dict[str, Any]) -> Outcome:
        return self.config.images.outcome(str(container.get("image", "")))

    def _image_id(self, image: str) -> str:
        registry, repository, _ = split_image(image)
        return f"{registry}/{repository}@sha256:{hex_digest('image', image)}"

    def _container_id(self, pod: Obj, name: str, attempt: int) -> str:
        return "containerd://" + hex_digest(self._uid(pod), name, attempt)

    def _pod_ip(self, node_name: str, pod_name: str) -> str:
        node = self.store.get("nodes", "", node_name) or {}
        cidr = str((node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24")
        prefix = cidr.rsplit(".", 1)[0]
        return f"{prefix}.{2 + hashlib.sha256(pod_name.encode()).digest()[1] % 250}"

    def _host_ip(self, node_name: str) -> str:
        node = self.store.get("nodes", "", node_name) or {}
        for address in (node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return str(address.get("address"))
        return "10.0.0.1"

    def _set_conditions(self, status: Obj, now: float, **values: str) -> None:
        current = {c["type"]: c for c in status.get("conditions") or []}
        for ctype, value in values.items():
            old = current.get(ctype)
            if old is not None and old.get("status") == value:
                continue
            cond: Obj = {
                "type": ctype,
                "status": value,
                "lastProbeTime": None,
                "lastTransitionTime": iso(now),
            }
            if ctype in ("Ready", "ContainersReady") and value == "False":
                cond["reason"] = "ContainersNotReady"
                unready = [c["name"] for c in status.get("containerStatuses") or [] if not c.get("ready")]
                cond["message"] = f"containers with unready status: [{' '.join(unready)}]"
            current[ctype] = cond
        status["conditions"] = [current[t] for t in _CONDITION_ORDER if t in current]

    # -- binding -------------------------------------------------------------------------------
    def bind(self, pod: Obj, node_name: str, now: float, *, quiet: bool = False) -> Obj:
        new = clone(pod)
        new["spec"]["nodeName"] = node_name
        status = new.setdefault("status", {})
        status.update(phase="Pending", hostIP=self._host_ip(node_name), startTime=iso(now))
        status["hostIPs"] = [{"ip": status["hostIP"]}]
        status["containerStatuses"] = [
            {
                "name": c["name"],
                "state": {"waiting": {"reason": "ContainerCreating"}},
                "lastState": {},
                "ready": False,
                "restartCount": 0,
                "image": c.get("image", ""),
                "imageID": "",
                "started": False,
            }
            for c in new["spec"].get("containers") or []
        ]
        self._set_conditions(
            status,
            now,
            PodReadyToStartContainers="False",
            Initialized="True",
            Ready="False",
            ContainersReady="False",
            PodScheduled="True",
        )
        self.store.update("pods", new)
        self.store.timers[f"{self._uid(new)}:start"] = now + self.config.scaled(
            self.config.pod_start_seconds
        ) * _jitter(new["metadata"]["name"])
        if not quiet:
            ns, name = new["metadata"]["namespace"], new["metadata"]["name"]
            self.events.record(
                new,
                "Scheduled",
                f"Successfully assigned {ns}/{name} to {node_name}",
                component="default-scheduler",
                now=now,
            )
            for c in new["spec"].get("containers") or []:
                self._emit(new, "Pulling", f'Pulling image "{c.get("image", "")}"', now, container=c["name"])
        return new

    def unschedulable(self, pod: Obj, message: str, now: float) -> None:
        status = pod.get("status") or {}
        if any(c.get("type") == "PodScheduled" and c.get("message") == message for c in status.get("conditions") or []):
            return
        new = clone(pod)
        new["status"] = {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": iso(now),
                    "reason": "Unschedulable",
                    "message": message,
                }
            ],
            "qosClass": qos_class(new.get("spec") or {}),
        }
        self.store.update("pods", new)
        self.events.record(new, "FailedScheduling", message, type_="Warning", component="default-scheduler", now=now)

    # -- lifecycle -----------------------------------------------------------------------------
    def advance(self, pod: Obj, now: float) -> None:
        uid = self._uid(pod)
        timers = self.store.timers
        if pod["metadata"].get("deletionTimestamp"):
            if now >= timers.get(f"{uid}:gone", 0.0):
                self.store.remove("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
            return
        start = timers.get(f"{uid}:start")
        if start is not None and now >= start:
            del timers[f"{uid}:start"]
            self.start(pod, now)
            return
        retry = timers.get(f"{uid}:retry")
        if retry is not None and now >= retry:
            self._retry(pod, now)

    def start(self, pod: Obj, now: float, *, quiet: bool = False) -> Obj:
        new = clone(pod)
        status = new["status"]
        node = new["spec"]["nodeName"]
        statuses = []
        failing = False
        for i, c in enumerate(new["spec"].get("containers") or []):
            image = str(c.get("image", ""))
            outcome = self._outcome(c)
            cs = dict(status["containerStatuses"][i])
            if outcome == "pull":
                error = self.config.images.pull_error(image)
                cs["state"] = {"waiting": {"reason": "ErrImagePull", "message": error}}
                if not quiet:
                    self._emit(
                        new,
                        "Failed",
                        f'Failed to pull image "{image}": {error}',
                        now,
                        container=c["name"],
                        warning=True,
                    )
                    self._emit(new, "Failed", "Error: ErrImagePull", now, container=c["name"], warning=True)
                failing = True
            else:
                cs.update(imageID=self._image_id(image), containerID=self._container_id(new, c["name"], 0))
                if not quiet:
                    took = 1.0 + (hashlib.sha256(image.encode()).digest()[2] % 40) / 10
                    self._emit(
                        new,
                        "Pulled",
                        f'Successfully pulled image "{image}" in {took:.3f}s '
                        f"({took:.3f}s including waiting). Image size: "
                        f"{40_000_000 + hashlib.sha256(image.encode()).digest()[3] * 1_000_000} bytes.",
                        now,
                        container=c["name"],
                    )
                    self._emit(new, "Created", f"Created container: {c['name']}", now, container=c["name"])
                    self._emit(new, "Started", f"Started container {c['name']}", now, container=c["name"])
                if outcome == "crash":
                    cs["state"] = {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": iso(now),
                            "finishedAt": iso(now),
                            "containerID": cs["containerID"],
                        }
                    }
                    cs["started"] = False
                    failing = True
                else:
                    cs.update(state={"running": {"startedAt": iso(now)}}, ready=True, started=True)
            statuses.append(cs)
        status["containerStatuses"] = statuses
        all_ready = all(cs.get("ready") for cs in statuses)
        pulled_any = any("containerID" in cs for cs in statuses)
        status["phase"] = "Running" if pulled_any else "Pending"
        if pulled_any:
            status["podIP"] = self._pod_ip(node, new["metadata"]["name"])
            status["podIPs"] = [{"ip": status["podIP"]}]
        status["qosClass"] = qos_class(new["spec"])
        ready = "True" if all_ready else "False"
        self._set_conditions(status, now, PodReadyToStartContainers="True", Ready=ready, ContainersReady=ready)
        self.store.update("pods", new)
        uid = self._uid(new)
        self.store.timers[f"{uid}:started"] = now
        if all_ready:
            self.store.timers[f"{uid}:ready"] = now
        if failing:
            self.store.timers[f"{uid}:retry"] = now + self.config.scaled(1.0)
        return new

    def _retry(self, pod: Obj, now: float) -> None:
        new = clone(pod)
        uid = self._uid(new)
        attempt = int(self.store.timers.get(f"{uid}:attempt", 0))
        backoff = self.config.backoff(attempt)
        ns, name = new["metadata"]["namespace"], new["metadata"]["name"]
        for i, c in enumerate(new["spec"].get("containers") or []):
            cs = new["status"]["containerStatuses"][i] = dict(new["status"]["containerStatuses"][i])
            image = str(c.get("image", ""))
            outcome = self._outcome(c)
            if outcome == "pull":
                self._emit(new, "Pulling", f'Pulling image "{image}"', now, container=c["name"])
                self._emit(
                    new,
                    "BackOff",
                    f'Back-off pulling image "{image}"',
                    now,
                    container=c["name"],
                    warning=True,
                )
                cs["state"] = {
                    "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}
                }
            elif outcome == "crash":
                restarts = int(cs.get("restartCount", 0)) + 1
                container_id = self._container_id(new, c["name"], restarts)
                self._emit(
                    new,
                    "Pulled",
                    f'Container image "{image}" already present on machine',
                    now,
                    container=c["name"],
                )
                self._emit(new, "Created", f"Created container: {c['name']}", now, container=c["name"])
                self._emit(new, "Started", f"Started container {c['name']}", now, container=c["name"])
                self._emit(
                    new,
                    "BackOff",
                    f"Back-off restarting failed container {c['name']} in pod {name}_{ns}({uid})",
                    now,
                    container=c["name"],
                    warning=True,
                )
                cs.update(restartCount=restarts, containerID=container_id, ready=False, started=False)
                cs["lastState"] = {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": iso(now),
                        "finishedAt": iso(now),
                        "containerID": container_id,
                    }
                }
                cs["state"] = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": (
                            f"back-off {int(backoff / self.config.time_scale)}s restarting failed "
                            f"container={c['name']} pod={name}_{ns}({uid})"
                        ),
                    }
                }
                self.store.timers[f"{uid}:started"] = now
        self.store.timers[f"{uid}:attempt"] = attempt + 1
        self.store.timers[f"{uid}:retry"] = now + backoff
        self.store.update("pods", new)

    # -- deletion ------------------------------------------------------------------------------
    def delete(self, pod: Obj, now: float, grace: int | None = None) -> Obj | None:
        """Graceful deletion: the pod shows a deletionTimestamp, then disappears. Returns it, or None
        when it was removed at once."""
        metadata = pod["metadata"]
        if metadata.get("deletionTimestamp"):
            return pod
        grace = int((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)) if grace is None else grace
        if grace == 0 or not (pod.get("spec") or {}).get("nodeName"):
            self.store.remove("pods", metadata["namespace"], metadata["name"])
            return None
        new = clone(pod)
        new["metadata"]["deletionTimestamp"] = iso(now + grace)
        new["metadata"]["deletionGracePeriodSeconds"] = grace
        for cs in (new.get("status") or {}).get("containerStatuses") or []:
            if "running" in (cs.get("state") or {}):
                self._emit(new, "Killing", f"Stopping container {cs['name']}", now, container=cs["name"])
        uid = self._uid(new)
        for key in ("start", "retry"):
            self.store.timers.pop(f"{uid}:{key}", None)
        self.store.timers[f"{uid}:gone"] = now + min(self.config.scaled(self.config.pod_stop_seconds), float(grace))
        return self.store.update("pods", new)
