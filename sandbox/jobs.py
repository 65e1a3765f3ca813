"""batch/v1 Jobs: defaulting and validation as the API server does them, and a Job controller
whose status progresses the way a one-pod Job's does on a real cluster.

What is simulated: `status.startTime`, `active`, `ready`, then after the Job's run time
(`JOB_RUN_SECONDS` simulated seconds, scaled by `time_scale`) either `succeeded: 1` with
conditions `SuccessCriteriaMet` and `Complete` and a `completionTime`, or `failed: backoffLimit + 1`
with `FailureTarget` and `Failed` (reason `BackoffLimitExceeded`), plus the controller's events
(`SuccessfulCreate`, `Completed`, `BackoffLimitExceeded`). The outcome comes from the pod
template's image, by the sandbox's image policy (`simulation.images`): an image that starts
succeeds, one that crashes (a `-broken` tag, a `crashing` pattern) fails, and one that cannot be
pulled keeps the Job active forever, as its pod would sit in ImagePullBackOff.

What is not: the Job's pods. The controller does not create Pod objects, so `kubectl logs job/X`
and pod-level states are not available for Jobs.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .config import SimConfig
from .defaults import default_template
from .errors import Cause
from .events import EventRecorder
from .meta import Obj, clone, iso, safe_suffix
from .store import Store
from .validation import _check_pod_spec, check_metadata, immutable_error

JOB_RUN_SECONDS = 20.0
_RESTART_POLICIES = ("OnFailure", "Never")


def default_job(obj: Obj) -> Obj:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return obj
    spec.setdefault("parallelism", 1)
    spec.setdefault("completions", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("manualSelector", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    template = spec.setdefault("template", {})
    if isinstance(template, dict):
        default_template(template)
    return obj


def validate_job(obj: Obj, old: Obj | None = None) -> None:
    name = str((obj.get("metadata") or {}).get("name", ""))
    causes: list[Cause] = []
    check_metadata(obj, causes)
    spec = obj.get("spec") or {}
    pod_spec = ((spec.get("template") or {}).get("spec")) or {}
    policy = pod_spec.get("restartPolicy")
    if policy not in _RESTART_POLICIES:
        causes.append(Cause("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                            f'Unsupported value: "{policy}": supported values: "OnFailure", "Never"'))  # fmt: skip
    _check_pod_spec({**pod_spec, "restartPolicy": "Always"}, "spec.template.spec", causes)
    for field in ("backoffLimit", "parallelism", "completions"):
        value = spec.get(field)
        if not isinstance(value, int) or value < 0:
            causes.append(errors.invalid_value(f"spec.{field}", value, "must be greater than or equal to 0"))
    if causes:
        raise errors.invalid("Job", "batch", name, causes)
    if old is not None and (old.get("spec") or {}).get("template") != spec.get("template"):
        raise immutable_error("Job", "batch", name, "spec.template")


class JobController:
    def __init__(self, store: Store, events: EventRecorder, config: SimConfig) -> None:
        self.store, self.events, self.config = store, events, config

    def sync_all(self, now: float) -> None:
        for job in self.store.items("jobs"):
            self.sync(job, now)

    def sync(self, job: Obj, now: float) -> None:
        status = job.get("status") or {}
        if _finished(status) or (job.get("spec") or {}).get("suspend"):
            return
        uid = job["metadata"]["uid"]
        if not status.get("startTime"):
            new = clone(job)
            new["status"] = {"startTime": iso(now), "active": 1, "ready": 0, "terminating": 0,
                             "uncountedTerminatedPods": {}}  # fmt: skip
            self.store.update("jobs", new)
            self.store.timers[f"{uid}:job-done"] = now + self.config.scaled(JOB_RUN_SECONDS)
            pod = f"{job['metadata']['name']}-{safe_suffix(uid)}"
            self._event(new, "SuccessfulCreate", f"Created pod: {pod}", now)
            return
        due = self.store.timers.get(f"{uid}:job-done")
        if due is None:  # restored from a state file: start the clock again
            self.store.timers[f"{uid}:job-done"] = now + self.config.scaled(JOB_RUN_SECONDS)
            return
        if now < due:
            return
        outcome = self._outcome(job)
        if outcome == "pull":
            return  # the pod waits in ImagePullBackOff; the Job stays active
        del self.store.timers[f"{uid}:job-done"]
        self.store.update("jobs", self._finish(job, succeeded=outcome == "ok", now=now))

    def _outcome(self, job: Obj) -> str:
        containers = ((job["spec"].get("template") or {}).get("spec") or {}).get("containers") or []
        outcomes = {self.config.images.outcome(str(c.get("image", ""))) for c in containers}
        for worst in ("pull", "crash"):
            if worst in outcomes:
                return worst
        return "ok"

    def _finish(self, job: Obj, *, succeeded: bool, now: float) -> Obj:
        new = clone(job)
        status: dict[str, Any] = {k: v for k, v in new["status"].items() if k not in ("active", "ready")}
        status["ready"] = 0
        stamp = iso(now)
        if succeeded:
            reason, message = "CompletionsReached", "Reached expected number of succeeded pods"
            kinds = ("SuccessCriteriaMet", "Complete")
            status |= {"succeeded": 1, "completionTime": stamp}
            self._event(new, "Completed", "Job completed", now)
        else:
            reason, message = "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            kinds = ("FailureTarget", "Failed")
            status["failed"] = int(new["spec"].get("backoffLimit", 6)) + 1
            self._event(new, "BackoffLimitExceeded", message, now, warning=True)
        status["conditions"] = [
            {"type": kind, "status": "True", "reason": reason, "message": message,
             "lastProbeTime": stamp, "lastTransitionTime": stamp}
            for kind in kinds
        ]  # fmt: skip
        new["status"] = status
        return new

    def _event(self, job: Obj, reason: str, message: str, now: float, *, warning: bool = False) -> None:
        self.events.record(job, reason, message, type_="Warning" if warning else "Normal",
                           component="job-controller", now=now)  # fmt: skip


def _finished(status: Obj) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in status.get("conditions") or []
    )
