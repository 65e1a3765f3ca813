"""The dependency graph: loaded from a topology file (DESIGN.md format) or built from the cluster.

An edge `a -> b` means a depends on b, so trouble flows from b to a. Edge types: `calls`,
`depends_on`, `instance_of` (pod -> service/workload), `runs_on` (pod -> node).
`Topology` is immutable and indexed so every lookup the correlator makes is O(1) or O(degree).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from opsgraph.core.files import InputFileError, loads_json, loads_yaml, read_text
from opsgraph.tools.alerts.payloads import PayloadError, explain

NodeKind = Literal["service", "pod", "node", "database", "cache", "other"]
EdgeType = Literal["calls", "depends_on", "instance_of", "runs_on"]
DEPENDENCY_EDGES = ("calls", "depends_on")


class TopologyError(PayloadError):
    """The topology file is unreadable or inconsistent; the message says what to fix."""


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    kind: NodeKind = "other"


class EdgeSpec(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    source: str = Field(alias="from", min_length=1)
    target: str = Field(alias="to", min_length=1)
    type: EdgeType = "depends_on"


class TopologyFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nodes: list[NodeSpec] = Field(default_factory=list)
    edges: list[EdgeSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _edges_name_nodes(self) -> TopologyFile:
        ids = {n.id for n in self.nodes}
        for i, e in enumerate(self.edges):
            for end in (e.source, e.target):
                if end not in ids:
                    raise ValueError(f"edge {i} ({e.source} -> {e.target}) names unknown node {end!r}")
        return self


@dataclass(frozen=True, eq=False)
class Topology:
    kinds: Mapping[str, str]
    # out[a][type] = targets a depends on; into[b][type] = sources that depend on b.
    out: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    into: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def build(cls, nodes: Iterable[tuple[str, str]], edges: Iterable[tuple[str, str, str]]) -> Topology:
        kinds = dict(nodes)
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        into: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for src, dst, etype in edges:
            if src == dst or dst in out[src][etype]:
                continue
            out[src][etype].append(dst)
            into[dst][etype].append(src)
        return cls(kinds=kinds, out=_freeze(out), into=_freeze(into))

    def has_dependencies(self) -> bool:
        """Whether any edge says which entity depends on which (not just what owns or hosts it)."""
        return any(etype in DEPENDENCY_EDGES for targets in self.out.values() for etype in targets)

    def __contains__(self, entity: object) -> bool:
        return entity in self.kinds

    def kind(self, entity: str) -> str:
        return self.kinds.get(entity, "other")

    def targets(self, entity: str, *types: str) -> tuple[str, ...]:
        edges = self.out.get(entity, {})
        return tuple(t for etype in types for t in edges.get(etype, ()))

    def sources(self, entity: str, *types: str) -> tuple[str, ...]:
        edges = self.into.get(entity, {})
        return tuple(s for etype in types for s in edges.get(etype, ()))

    def service_of(self, entity: str) -> str | None:
        owners = self.targets(entity, "instance_of")
        return owners[0] if owners else None

    def host_of(self, entity: str) -> str | None:
        hosts = self.targets(entity, "runs_on")
        return hosts[0] if hosts else None

    def instances(self, service: str) -> tuple[str, ...]:
        return self.sources(service, "instance_of")

    @cached_property
    def edge_count(self) -> int:
        return sum(len(v) for d in self.out.values() for v in d.values())


def _freeze(index: Mapping[str, Mapping[str, list[str]]]) -> dict[str, dict[str, tuple[str, ...]]]:
    return {k: {t: tuple(v) for t, v in d.items()} for k, d in index.items()}


EMPTY = Topology(kinds={})


def from_document(document: Any, source: str = "topology") -> Topology:
    try:
        spec = TopologyFile.model_validate(document)
    except ValidationError as exc:
        raise TopologyError(f"{source}: {explain(exc)}") from None
    return Topology.build(((n.id, n.kind) for n in spec.nodes), ((e.source, e.target, e.type) for e in spec.edges))


def load_topology(path: Path) -> Topology:
    """Read a JSON or YAML topology file; raises TopologyError naming the file and the problem."""
    try:
        text = read_text(path)
        document = loads_json(text, path) if path.suffix.lower() == ".json" else loads_yaml(text, path)
    except OSError as exc:
        raise TopologyError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except InputFileError as exc:
        raise TopologyError(str(exc)) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise TopologyError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({exc})"
        ) from None
    if not isinstance(document, dict):
        raise TopologyError(f"{path}: expected an object with 'nodes' and 'edges'")
    return from_document(document, str(path))
