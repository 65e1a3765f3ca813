"""A suggested fix per probable cause: a small table from (entity kind, signal words) to an action,
phrased as an opsgraph tool call where one fits (k8s_restart / k8s_rollback / k8s_scale), otherwise
a sentence. Suggestions are never executed from here: the agent plans them through the registry,
behind policy and approval like any other write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_WORDS = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# (kinds, words any of which must appear, action, sentence). First match wins.
_TABLE: tuple[tuple[frozenset[str], frozenset[str], str | None, str], ...] = (
    (
        frozenset({"pod", "service"}),
        frozenset(
            [
                "crash",
                "crashloop",
                "crashlooping",
                "restart",
                "restarts",
                "oom",
                "oomkilled",
                "killed",
                "termination",
                "terminated",
                "exit",
                "panic",
                "deadlock",
                "hung",
                "stuck",
                "notready",
            ]
        ),
        "k8s_restart",
        "restart {name}: its containers are crashing or hung",
    ),
    (
        frozenset({"service"}),
        frozenset(
            [
                "deploy",
                "deployment",
                "rollout",
                "version",
                "release",
                "image",
                "config",
                "error",
                "errors",
                "5xx",
            ]
        ),
        "k8s_rollback",
        "roll {name} back if a change went out just before the errors",
    ),
    (
        frozenset({"pod", "service"}),
        frozenset(["memory", "mem", "rss", "heap", "leak"]),
        "k8s_restart",
        "restart {name} to reclaim memory, then look for a leak (memory keeps growing)",
    ),
    (
        frozenset({"pod", "service"}),
        frozenset(["cpu", "load", "throttling", "throttled", "saturation", "threads", "queue", "latency", "mrt"]),
        "k8s_scale",
        "scale {name} out (replicas +2): it is saturated",
    ),
    (
        frozenset({"node"}),
        frozenset(["disk", "filesystem", "fs", "inode", "space"]),
        None,
        "free disk space on node {name} (images, logs, emptyDir) and cordon it if it keeps filling",
    ),
    (
        frozenset({"node"}),
        frozenset(["cpu", "load", "memory", "mem", "swap", "pressure"]),
        None,
        "cordon and drain node {name} so its pods reschedule, then find what is exhausting it",
    ),
    (
        frozenset({"node"}),
        frozenset(["io", "diskio", "iowait", "read", "write"]),
        None,
        "find the I/O-heavy workload on node {name} and move or throttle it",
    ),
    (
        frozenset({"database"}),
        frozenset(),
        None,
        "check database {name}: connections, slow queries, locks, replication lag; "
        "fail over if the primary is unhealthy",
    ),
    (
        frozenset({"cache"}),
        frozenset(),
        None,
        "check cache {name}: memory, evictions and connections; restart or scale it if saturated",
    ),
    (
        frozenset({"pod", "service", "node", "other"}),
        frozenset(
            [
                "network",
                "packet",
                "packets",
                "retransmission",
                "corruption",
                "loss",
                "dns",
                "receive",
                "transmit",
                "dropped",
            ]
        ),
        None,
        "inspect networking of {name} (CNI, node NIC, network policies, DNS)",
    ),
)


@dataclass(frozen=True)
class SuggestedAction:
    entity: str
    text: str
    tool: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def specific(self) -> bool:
        """A concrete fix rather than the runbook-search fallback."""
        return self.tool != "runbook_search"

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "text": self.text, "tool": self.tool, "args": dict(self.args)}


def _workload(entity: str, kind: str, service: str | None) -> str:
    name = service if kind == "pod" and service else entity
    return name.rsplit("/", 1)[-1]


def suggest(
    entity: str, kind: str, signal_names: list[str], service: str | None = None, namespace: str | None = None
) -> SuggestedAction:
    words: set[str] = set()
    for name in signal_names:
        words.update(_WORDS.findall(_CAMEL.sub("_", name).lower()))
    if "/" in entity and namespace is None:
        namespace = entity.split("/", 1)[0]
    for kinds, triggers, tool, sentence in _TABLE:
        if kind in kinds and (not triggers or words & triggers):
            name = _workload(entity, kind, service)
            if tool is None:
                return SuggestedAction(entity, sentence.format(name=entity))
            args: dict[str, Any] = {"name": name}
            if namespace:
                args["namespace"] = namespace
            rendered = [f"{k}={v!r}" for k, v in args.items()]
            if tool == "k8s_scale":
                rendered.append("replicas=<current + 2>")
            call = f"{tool}({', '.join(rendered)})"
            return SuggestedAction(entity, f"{sentence.format(name=name)}: {call}", tool, args)
    query = " ".join([*signal_names[:2], kind]).strip()
    return SuggestedAction(
        entity, f"look up a runbook: runbook_search(query={query!r})", "runbook_search", {"query": query}
    )
