"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), what `kubectl get`
asks for: the columns kubectl shows for each kind."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .meta import Obj, parse_iso
from .resources import ResourceType

Column = tuple[str, str, int]  # name, type, priority (1 = only with -o wide)


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def human_duration(seconds: float) -> str:
    """Like k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(max(seconds, 0))
    minutes, hours, days = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years = days // 365
    return f"{years}y{days % 365}d" if years < 8 and days % 365 else f"{years}y"


def _age(obj: Obj, field: str = "creationTimestamp") -> str:
    stamp = obj.get("metadata", {}).get(field) if field == "creationTimestamp" else obj.get(field)
    return human_duration(time.time() - parse_iso(stamp)) if stamp else "<unknown>"


def _images(template_spec: dict[str, Any]) -> tuple[str, str]:
    containers = template_spec.get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _selector(obj: Obj) -> str:
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _deployment(d: Obj) -> list[Any]:
    st, spec = d.get("status") or {}, d.get("spec") or {}
    names, images = _images((spec.get("template") or {}).get("spec") or {})
    return [
        d["metadata"]["name"],
        f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        st.get("updatedReplicas", 0),
        st.get("availableReplicas", 0),
        _age(d),
        names,
        images,
        _selector(d),
    ]


def _replicaset(r: Obj) -> list[Any]:
    st, spec = r.get("status") or {}, r.get("spec") or {}
    names, images = _images((spec.get("template") or {}).get("spec") or {})
    return [
        r["metadata"]["name"],
        spec.get("replicas", 0),
        st.get("replicas", 0),
        st.get("readyReplicas", 0),
        _age(r),
        names,
        images,
        _selector(r),
    ]


def pod_status_reason(p: Obj) -> str:
    status = p.get("status") or {}
    reason = status.get("reason") or status.get("phase", "Pending")
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if p["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return str(reason)


def _pod(p: Obj) -> list[Any]:
    status = p.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len((p.get("spec") or {}).get("containers") or [])
    restarts = sum(int(c.get("restartCount", 0)) for c in statuses)
    last = [
        c["lastState"]["terminated"].get("finishedAt") for c in statuses if (c.get("lastState") or {}).get("terminated")
    ]
    shown = (
        f"{restarts} ({human_duration(time.time() - parse_iso(max(last)))} ago)" if restarts and last else str(restarts)
    )
    return [
        p["metadata"]["name"],
        f"{sum(1 for c in statuses if c.get('ready'))}/{total}",
        pod_status_reason(p),
        shown,
        _age(p),
        status.get("podIP", "<none>"),
        (p.get("spec") or {}).get("nodeName", "<none>"),
        "<none>",
        "<none>",
    ]


def _node(n: Obj) -> list[Any]:
    conditions = {c["type"]: c["status"] for c in (n.get("status") or {}).get("conditions") or []}
    state = "Ready" if conditions.get("Ready") == "True" else "NotReady"
    if (n.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = [k.split("/", 1)[1] for k in n["metadata"].get("labels", {}) if k.startswith("node-role.kubernetes.io/")]
    info = (n.get("status") or {}).get("nodeInfo") or {}
    ips = {a["type"]: a["address"] for a in (n.get("status") or {}).get("addresses") or []}
    return [
        n["metadata"]["name"],
        state,
        ",".join(roles) or "<none>",
        _age(n),
        info.get("kubeletVersion", ""),
        ips.get("InternalIP", "<none>"),
        ips.get("ExternalIP", "<none>"),
        info.get("osImage", ""),
        info.get("kernelVersion", ""),
        info.get("containerRuntimeVersion", ""),
    ]


def _hpa(h: Obj) -> list[Any]:
    spec, st = h.get("spec") or {}, h.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    targets = []
    current = {
        (m.get("resource") or {}).get("name"): ((m.get("resource") or {}).get("current") or {}).get(
            "averageUtilization"
        )
        for m in st.get("currentMetrics") or []
    }
    for metric in spec.get("metrics") or []:
        resource = metric.get("resource") or {}
        wanted = (resource.get("target") or {}).get("averageUtilization")
        now = current.get(resource.get("name"))
        shown = f"{now}%" if now is not None else "<unknown>"
        targets.append(f"{resource.get('name')}: {shown}/{wanted}%")
    return [
        h["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        ", ".join(targets) or "<none>",
        spec.get("minReplicas", 1),
        spec.get("maxReplicas", 0),
        st.get("currentReplicas", 0),
        _age(h),
    ]


def _event(e: Obj) -> list[Any]:
    involved = e.get("involvedObject") or {}
    return [
        _age(e, "lastTimestamp"),
        e.get("type", ""),
        e.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        e.get("message", ""),
    ]


_NAME: Column = ("Name", "string", 0)
_AGE: Column = ("Age", "string", 0)
_WORKLOAD_WIDE: list[Column] = [
    ("Containers", "string", 1),
    ("Images", "string", 1),
    ("Selector", "string", 1),
]

TABLES: dict[str, tuple[list[Column], Callable[[Obj], list[Any]]]] = {
    "deployments": (
        [
            _NAME,
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            _AGE,
            *_WORKLOAD_WIDE,
        ],
        _deployment,
    ),
    "replicasets": (
        [
            _NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            _AGE,
            *_WORKLOAD_WIDE,
        ],
        _replicaset,
    ),
    "pods": (
        [
            _NAME,
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            _AGE,
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        _pod,
    ),
    "nodes": (
        [
            _NAME,
            ("Status", "string", 0),
            ("Roles", "string", 0),
            _AGE,
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        _node,
    ),
    "horizontalpodautoscalers": (
        [
            _NAME,
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "string", 0),
            ("Replicas", "string", 0),
            _AGE,
        ],
        _hpa,
    ),
    "namespaces": (
        [_NAME, ("Status", "string", 0), _AGE],
        lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", ""), _age(o)],
    ),
    "configmaps": (
        [_NAME, ("Data", "integer", 0), _AGE],
        lambda o: [o["metadata"]["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}), _age(o)],
    ),
    "events": (
        [
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Message", "string", 0),
        ],
        _event,
    ),
}


def table(rtype: ResourceType, objects: list[Obj], resource_version: str) -> dict[str, Any]:
    columns, row = TABLES.get(rtype.plural, ([_NAME, _AGE], lambda o: [o["metadata"]["name"], _age(o)]))
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {
                "name": name,
                "type": kind,
                "format": "name" if name == "Name" else "",
                "description": name,
                "priority": priority,
            }
            for name, kind, priority in columns
        ],
        "rows": [
            {
                "cells": row(o),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o["metadata"],
                },
            }
            for o in objects
        ],
    }
