"""The pod lifecycle a kubelet drives: bound -> pulling -> running (or crash-looping, or stuck on
image pull), graceful termination. Timings are simulated seconds scaled by `time_scale`."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from .config import Behaviour, SimConfig, split_image
from .containers import Step, env_error, probe_period
from .events import EventRecorder
from .meta import Obj, clone, hex_digest, iso
from .store import Store


class BehaviourSource(Protocol):
    """Where injected faults plug into the kubelet (`opsgraph.sandbox.faults.engine.FaultEngine`)."""

    def behaviour(self, pod: Obj, container: dict[str, Any]) -> Behaviour | None: ...

    def node_down(self, node: str) -> bool: ...


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
        self.faults: BehaviourSource | None = None

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
        node = (pod.get("spec") or {}).get("nodeName")
        if node and self.faults is not None and self.faults.node_down(node):
            return  # an unreachable node's kubelet does nothing the API server can see
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
        """First start after binding: pull each image, then run (or fail) each container."""
        new = clone(pod)
        self._sync_containers(new, now, first=True, quiet=quiet)
        return new

    def _retry(self, pod: Obj, now: float) -> None:
        """A later sync: back-off restarts, pull retries, probes, and recovery once a cause is gone."""
        self._sync_containers(clone(pod), now, first=False, quiet=False)

    def behaviour(self, pod: Obj, container: dict[str, Any]) -> Behaviour:
        """What this container does now: a config error the pod spec causes, else an injected fault,
        else what the image does."""
        problem = env_error(self.store, pod, container)
        if problem:
            return Behaviour("config", problem)
        if self.faults is not None:
            found = self.faults.behaviour(pod, container)
            if found is not None:
                return found
        image = str(container.get("image", ""))
        outcome = self.config.images.outcome(image)
        return Behaviour(outcome, self.config.images.pull_error(image) if outcome == "pull" else "")

    def _sync_containers(self, new: Obj, now: float, *, first: bool, quiet: bool) -> None:
        uid = self._uid(new)
        status = new["status"]
        attempt = int(self.store.timers.get(f"{uid}:attempt", 0))
        wait_next = self.config.backoff(attempt)
        was_ready = all(cs.get("ready") for cs in status.get("containerStatuses") or [])
        statuses = []
        failing = probing = started = False
        for i, c in enumerate(new["spec"].get("containers") or []):
            cs = dict(status["containerStatuses"][i])
            behaviour = self.behaviour(new, c)
            step = Step(self, new, c, cs, now, quiet, wait_next)
            if behaviour.outcome == "pull":
                step.pull_failed(behaviour.message, first)
                failing = True
            elif behaviour.outcome == "config":
                step.config_failed(behaviour.message)
                failing = True
            elif behaviour.outcome in ("crash", "oom"):
                step.exited(behaviour, first)
                failing = True
            else:
                step.run(ready=behaviour.outcome == "ok")
                if behaviour.outcome == "unready":
                    step.probe_failed(behaviour.message, first)
                    probing = True
            started = started or step.started
            statuses.append(cs)
        status["containerStatuses"] = statuses
        all_ready = all(cs.get("ready") for cs in statuses)
        # The pod sandbox (and its IP) exists once the kubelet syncs the pod, started containers or not.
        status["phase"] = "Running" if any("containerID" in cs for cs in statuses) else "Pending"
        status["podIP"] = self._pod_ip(new["spec"]["nodeName"], new["metadata"]["name"])
        status["podIPs"] = [{"ip": status["podIP"]}]
        status["qosClass"] = qos_class(new["spec"])
        ready = "True" if all_ready else "False"
        self._set_conditions(status, now, PodReadyToStartContainers="True", Ready=ready, ContainersReady=ready)
        self.store.update("pods", new)
        timers = self.store.timers
        if first or started:
            timers[f"{uid}:started"] = now
        if all_ready and (first or not was_ready):
            timers[f"{uid}:ready"] = now
        if failing:
            timers[f"{uid}:attempt"] = attempt if first else attempt + 1
            timers[f"{uid}:retry"] = now + (self.config.scaled(1.0) if first else wait_next)
        elif probing:
            timers[f"{uid}:retry"] = now + self.config.scaled(probe_period(new))
        else:
            timers.pop(f"{uid}:retry", None)
            timers.pop(f"{uid}:attempt", None)

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
        node = str(new["spec"]["nodeName"])
        reachable = self.faults is None or not self.faults.node_down(node)
        for cs in (new.get("status") or {}).get("containerStatuses") or []:
            if reachable and "running" in (cs.get("state") or {}):
                self._emit(new, "Killing", f"Stopping container {cs['name']}", now, container=cs["name"])
        uid = self._uid(new)
        for key in ("start", "retry"):
            self.store.timers.pop(f"{uid}:{key}", None)
        self.store.timers[f"{uid}:gone"] = now + min(self.config.scaled(self.config.pod_stop_seconds), float(grace))
        return self.store.update("pods", new)
