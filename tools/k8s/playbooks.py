"""Investigations the deterministic brain runs on Kubernetes (see core/playbook.py).

- `investigate` ("why is checkout failing in prod?", "why is this pod pending?"): the workload's
  status; then, by what it shows, the crashed container's logs, the pull error, the memory limit,
  the scheduler's message, the node, the stuck ReplicaSet or the autoscaler; a rollout shortly
  before the failure is proposed for rollback.
- `k8s_changes` ("what changed in prod recently?"): recent rollouts and restarts, and what each changed.
- `deploy_safety` ("is it safe to deploy checkout now?"): rollout state, readiness, firing alerts.
"""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.names import check_namespaces
from opsgraph.core.planning import Entities, NotFoundName, PlannedCall
from opsgraph.core.playbook import Conclusion, Observation, Step
from opsgraph.tools.k8s.planner import resolve_target
from opsgraph.tools.k8s.symptoms import Symptom, age_s, ago, find_symptom, pod_of_revision, recent_rollout

LOG_TAIL = 20


def _status_of(observed: list[Observation], namespace: str, name: str) -> Observation | None:
    for obs in reversed(observed):
        if obs.tool == "k8s_status" and obs.args.get("name") == name and obs.args.get("namespace") == namespace:
            return obs
    return None


def _last(observed: list[Observation], tool: str) -> Observation | None:
    return next((o for o in reversed(observed) if o.tool == tool), None)


def _world_failure(step: str, obs: Observation) -> Conclusion:
    """The API could not answer: that is the finding (a 404, the cluster down)."""
    return Conclusion(f"I could not look: {obs.text}", ((step, obs.text),), {"resource": step, "reason": obs.status})


class Investigate:
    name = "investigate"

    def start(self, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Step:
        namespace, name = resolve_target(ents, inv, carried, "investigate")
        memory = {"namespace": namespace, "name": name, "stage": "status"}
        status = PlannedCall("k8s_status", {"namespace": namespace, "name": name})
        return Step(memory, (status,), note=f"Looking into {namespace}/{name}: pods, events and rollouts.")

    def advance(self, memory: dict[str, Any], observed: list[Observation]) -> Step:
        namespace, name = memory["namespace"], memory["name"]
        where = f"{namespace}/{name}"
        status = _status_of(observed, namespace, name)
        if status is None:
            raise NotFoundName(f"the status of {where} was never read")
        if status.status != "ok" or not isinstance(status.data, dict):
            return Step(memory, conclusion=_world_failure(f"k8s_status {where}", status))
        data = status.data
        symptom = find_symptom(data)
        evidence = [(f"k8s_status {where}", f"{data['ready']}/{data['desired']} ready, revision {data['revision']}")]
        if symptom is None:
            return Step(memory, conclusion=Conclusion(
                f"{where} looks healthy: {data['ready']}/{data['desired']} pods ready, rollout {data['rollout']}, "
                "no warning events.", tuple(evidence), {"resource": where, "reason": "Healthy"},
            ))  # fmt: skip
        evidence.append((f"k8s_status {where}", symptom.summary))
        wants_logs = symptom.reason in ("CrashLoopBackOff", "ReadinessProbeFailed", "NotReady", "RolloutStuck")
        wants_logs = wants_logs and bool(symptom.pod)
        if wants_logs and memory["stage"] == "status":
            previous = symptom.reason == "CrashLoopBackOff"
            args: dict[str, Any] = {"namespace": namespace, "name": name, "pod": symptom.pod, "tail": LOG_TAIL}
            if previous:
                args["previous"] = True
            if symptom.container:
                args["container"] = symptom.container
            note = "Reading the crashed container's last logs." if previous else "Reading the pod's logs."
            return Step(memory | {"stage": "logs"}, (PlannedCall("k8s_logs", args),), note=note)
        logs = _last(observed, "k8s_logs") if memory["stage"] == "logs" else None
        if logs is not None:
            evidence.append(("k8s_logs " + str(logs.args.get("pod", "")), _last_line(logs)))
        return Step(memory, conclusion=_conclude(where, namespace, name, data, symptom, logs, evidence))


ERRORISH = re.compile(r"error|fatal|panic|exception|refused|denied|not set|missing|cannot|failed|killed", re.I)
TIMESTAMP = re.compile(r"^\S*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*\s+")


def _last_line(logs: Observation) -> str:
    """The log line that says why: the first error-like line near the end (the cause usually comes
    just before a generic "exiting"), else the last line."""
    if logs.status != "ok":
        return logs.text.splitlines()[0] if logs.text else logs.status
    lines = [line.strip() for line in logs.text.splitlines() if line.strip() and not line.startswith(("==", "---"))]
    if not lines:
        return "no log lines"
    errors = [line for line in lines[-5:] if ERRORISH.search(line)]
    chosen = TIMESTAMP.sub("", errors[0] if errors else lines[-1])
    return f"the log says: {chosen[:240]}"


def _conclude(
    where: str,
    namespace: str,
    name: str,
    data: dict[str, Any],
    symptom: Symptom,
    logs: Observation | None,
    evidence: list[tuple[str, str]],
) -> Conclusion:
    rollout = recent_rollout(data)
    caused_by_rollout = rollout is not None and (
        not symptom.pod or pod_of_revision(symptom.pod, rollout["new"]) or symptom.reason == "ProgressDeadlineExceeded"
    )
    because = _because(symptom, logs)
    fix: PlannedCall | None = None
    fix_reason = ""
    if (
        caused_by_rollout
        and rollout is not None
        and symptom.reason not in ("NodeNotReady", "Unschedulable", "HPAAtMax")
    ):
        new, old = rollout["new"], rollout["old"]
        change = f"{', '.join(old['images'].values())} -> {', '.join(new['images'].values())}"
        evidence.append(
            ("rollout history", f"revision {new['revision']} ({change}) rolled out {ago(rollout['age_s'])}")
        )
        fix = PlannedCall("k8s_rollback", {"namespace": namespace, "name": name})
        fix_reason = f"it started with revision {new['revision']} ({change}); roll back to revision {old['revision']}"
        diagnosis = f"{where} fails since its rollout {ago(rollout['age_s'])} to revision {new['revision']}: {because}."
    elif symptom.reason == "NodeNotReady" and symptom.pod:
        fix = PlannedCall("k8s_restart", {"namespace": namespace, "name": name})
        fix_reason = f"new pods are scheduled away from {symptom.resource}"
        diagnosis = f"{where} is degraded because node {symptom.resource} is not Ready: {because}."
    elif symptom.reason == "NodeNotReady":
        diagnosis = f"{where} lost pods because node {symptom.resource} is not Ready: {because}; nothing to do for it."
    else:
        diagnosis = f"{where}: {because}.{_advice(symptom)}"
    root = symptom.resource if symptom.reason in ("NodeNotReady",) else where
    return Conclusion(diagnosis, tuple(evidence), {"resource": root, "reason": symptom.reason}, fix, fix_reason)


BECAUSE = {  # how each symptom reads in the diagnosis ({summary} and {detail} from the symptom)
    "ImagePullBackOff": "the image cannot be pulled{detail}",
    "OOMKilled": "{summary}: it needs more memory than its limit",
    "Unschedulable": "a pod cannot be scheduled{detail}",
    "ReadinessProbeFailed": "pods run but fail their readiness probe{detail}",
    "CreateContainerConfigError": "its container cannot be created{detail}",
    "CreateContainerError": "its container cannot be created{detail}",
    "ProgressDeadlineExceeded": "the rollout stalled{detail}",
    "RolloutStuck": "{summary}{detail}",
    "HPAAtMax": "{summary}: load exceeds what it may scale to",
}


def _because(symptom: Symptom, logs: Observation | None) -> str:
    detail = f" ({symptom.detail})" if symptom.detail else ""
    if symptom.reason == "CrashLoopBackOff":
        said = _last_line(logs) if logs is not None else ""
        return f"its container crash-loops{'; ' + said if said else ''}"
    return BECAUSE.get(symptom.reason, "{summary}{detail}").format(summary=symptom.summary, detail=detail)


def _advice(symptom: Symptom) -> str:
    return {
        "OOMKilled": " Raise its memory limit, or find what grew.",
        "Unschedulable": " Free capacity, add nodes, or lower its requests.",
        "HPAAtMax": " Raise the autoscaler's maxReplicas, or add capacity.",
        "CreateContainerConfigError": " Add the missing key, or point the pod at the right ConfigMap or Secret.",
        "CrashLoopBackOff": " No recent rollout explains it: look at what the log line names.",
    }.get(symptom.reason, "")


WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DETAILS = 3


def window_seconds(window: str) -> float:
    return float(window[:-1]) * WINDOW_UNITS[window[-1]]


class RecentChanges:
    """What changed in a namespace recently: rollouts and restarts in the window, and what each
    rollout changed (the image before and after, the change-cause)."""

    name = "k8s_changes"

    def start(self, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Step:
        check_namespaces(ents, inv)
        namespace = ents.namespaces[0] if ents.namespaces else carried.get("namespace")
        window = ents.window or "24h"
        args = {"namespace": namespace} if namespace else {}
        where = namespace or "every namespace"
        memory = {"namespace": namespace, "window": window, "stage": "overview"}
        return Step(memory, (PlannedCall("k8s_status", args),), note=f"Looking for changes in {where}, last {window}.")

    def advance(self, memory: dict[str, Any], observed: list[Observation]) -> Step:
        where = memory["namespace"] or "every namespace"
        window = memory["window"]
        overview = next((o for o in observed if o.tool == "k8s_status" and "name" not in o.args), None)
        if overview is None or not isinstance(overview.data, dict):
            return Step(memory, conclusion=_world_failure(f"k8s_status {where}", overview or _missing()))
        limit = window_seconds(window)
        changed = []
        for row in overview.data.get("deployments", []):
            stamps = (row.get("last_rollout") or "", row.get("restarted_at") or "")
            ages = [a for a in (age_s(s) for s in stamps) if a is not None]
            if ages and min(ages) <= limit:
                changed.append((min(ages), row))
        changed.sort(key=lambda item: item[0])
        if memory["stage"] == "overview" and changed:
            calls = tuple(
                PlannedCall("k8s_status", {"namespace": row["namespace"], "name": row["name"]})
                for _, row in changed[:MAX_DETAILS]
            )
            return Step(memory | {"stage": "details"}, calls, note="Reading what each change did.")
        evidence = [(f"k8s_status {where}", f"{len(overview.data.get('deployments', []))} deployments, "
                     f"{len(changed)} changed in the last {window}")]  # fmt: skip
        lines = []
        for age, row in changed:
            detail = _status_of(observed, row["namespace"], row["name"])
            what = _what_changed(row, detail)
            lines.append(f"{row['namespace']}/{row['name']} {what} {ago(age)}")
            evidence.append((f"k8s_status {row['namespace']}/{row['name']}", what))
        if not lines:
            diagnosis = f"Nothing was rolled out or restarted in {where} in the last {window}."
        else:
            diagnosis = f"{len(lines)} change{'s' if len(lines) != 1 else ''} in {where} in the last {window}: " + (
                "; ".join(lines)
            )
        return Step(memory, conclusion=Conclusion(diagnosis, tuple(evidence), {"resource": where, "reason": "changes"}))


def _what_changed(row: dict[str, Any], detail: Observation | None) -> str:
    history = (detail.data or {}).get("history", []) if detail is not None and isinstance(detail.data, dict) else []
    cause = f" ({row['change_cause']})" if row.get("change_cause") else ""
    if len(history) >= 2:
        old, new = history[1], history[0]
        change = f"{', '.join(old['images'].values())} -> {', '.join(new['images'].values())}"
        return f"rolled out revision {new['revision']}: {change}{cause}"
    if row.get("restarted_at"):
        return "was restarted"
    return f"rolled out revision {row['revision']}{cause}"


def _missing() -> Observation:
    return Observation("k8s_status", {}, "error", "the overview was never read")


class DeploySafety:
    """Whether deploying a workload now is safe: its rollout, its pods, its autoscaler, and the
    alerts firing in its namespace. A verdict with reasons; it proposes nothing."""

    name = "deploy_safety"

    def start(self, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Step:
        namespace, name = resolve_target(ents, inv, carried, "check before deploying")
        calls = (
            PlannedCall("k8s_status", {"namespace": namespace, "name": name}),
            PlannedCall("alerts_list", {"namespace": namespace}),
        )
        memory = {"namespace": namespace, "name": name}
        return Step(memory, calls, note=f"Checking {namespace}/{name} and the alerts in {namespace}.")

    def advance(self, memory: dict[str, Any], observed: list[Observation]) -> Step:
        namespace, name = memory["namespace"], memory["name"]
        where = f"{namespace}/{name}"
        status = _status_of(observed, namespace, name)
        if status is None or status.status != "ok" or not isinstance(status.data, dict):
            return Step(memory, conclusion=_world_failure(f"k8s_status {where}", status or _missing()))
        data = status.data
        blockers = []
        if data["rollout"] != "complete":
            blockers.append(f"its current rollout is {data['rollout']}")
        symptom = find_symptom(data)
        if symptom is not None:
            blockers.append(symptom.summary)
        alerts = _last(observed, "alerts_list")
        evidence = [(f"k8s_status {where}", f"{data['ready']}/{data['desired']} ready, rollout {data['rollout']}")]
        caveat = ""
        if alerts is not None and alerts.status == "ok" and isinstance(alerts.data, dict):
            serious = [a for a in alerts.data.get("alerts", []) if a.get("labels", {}).get("severity") == "critical"]
            evidence.append((f"alerts_list namespace={namespace}", f"{alerts.data.get('total', 0)} firing"))
            if serious:
                names = ", ".join(sorted({a["labels"].get("alertname", "?") for a in serious}))
                blockers.append(f"{len(serious)} critical alert(s) firing in {namespace} ({names})")
        elif alerts is not None:
            evidence.append((f"alerts_list namespace={namespace}", alerts.text.splitlines()[0] if alerts.text else ""))
            caveat = " (I could not see alerts: " + (alerts.text.splitlines()[0] if alerts.text else "none") + ")"
        if blockers:
            diagnosis = f"Not safe to deploy {where} now: " + "; ".join(blockers) + "."
            reason = "unsafe"
        else:
            diagnosis = f"Safe to deploy {where} now: the last rollout is complete and all pods are ready{caveat}."
            reason = "safe"
        return Step(memory, conclusion=Conclusion(diagnosis, tuple(evidence), {"resource": where, "reason": reason}))


PLAYBOOKS = {"investigate": Investigate(), "k8s_changes": RecentChanges(), "deploy_safety": DeploySafety()}
