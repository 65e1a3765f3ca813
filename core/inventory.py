"""What exists in the cluster, as a planner needs it to resolve names: namespaces, workloads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    replicas: int
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    namespaces: tuple[str, ...]
    workloads: tuple[Workload, ...]
    # Namespaces that exist but the allow-list (OPSGRAPH_NAMESPACES) keeps opsgraph out of.
    outside_allow_list: tuple[str, ...] = ()
    _by_name: dict[str, tuple[Workload, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Workload]] = {}
        for w in self.workloads:
            index.setdefault(w.name, []).append(w)
        object.__setattr__(self, "_by_name", {k: tuple(v) for k, v in index.items()})

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def namespaces_of(self, name: str) -> list[str]:
        return sorted(w.namespace for w in self._by_name.get(name, ()))

    def get(self, namespace: str, name: str) -> Workload | None:
        for w in self._by_name.get(name, ()):
            if w.namespace == namespace:
                return w
        return None

    def in_namespace(self, namespace: str) -> list[str]:
        return sorted(w.name for w in self.workloads if w.namespace == namespace)
