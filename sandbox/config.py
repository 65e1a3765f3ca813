"""Simulation knobs as the controllers use them (built from the scenario's `simulation:` section)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

Outcome = Literal["ok", "crash", "pull", "oom", "config", "unready"]

DEFAULT_REGISTRIES = ("docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "nvcr.io")


def split_image(image: str) -> tuple[str, str, str]:
    """(registry, repository, tag) with Docker's defaults: `nginx` is docker.io/library/nginx:latest."""
    ref = image.split("@", 1)[0]
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    repository, _, tag = path.rpartition(":") if ":" in path.rsplit("/", 1)[-1] else (path, "", "latest")
    return registry, repository, tag or "latest"


@dataclass(frozen=True)
class Behaviour:
    """What a container does when the kubelet (re)starts it: start and serve (`ok`), exit (`crash`,
    `oom`), fail its pull or its config, or run without passing its readiness probe (`unready`).
    `message` is the pull / config / probe error; `exit_code` the exit status of a crash."""

    outcome: Outcome
    message: str = ""
    exit_code: int = 1


@dataclass(frozen=True)
class ImagePolicy:
    """Which images start, crash-loop, or cannot be pulled."""

    crashing: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    known_registries: tuple[str, ...] = DEFAULT_REGISTRIES

    def outcome(self, image: str) -> Outcome:
        registry, _, tag = split_image(image)
        if registry not in self.known_registries or any(fnmatchcase(image, p) for p in self.missing):
            return "pull"
        if tag.endswith("-broken") or any(fnmatchcase(image, p) for p in self.crashing):
            return "crash"
        return "ok"

    def pull_error(self, image: str) -> str:
        registry, repository, tag = split_image(image)
        if registry not in self.known_registries:
            return (
                f'failed to pull and unpack image "{image}": failed to resolve reference "{image}": '
                f'failed to do request: Head "https://{registry}/v2/{repository}/manifests/{tag}": '
                f"dial tcp: lookup {registry} on 10.96.0.10:53: no such host"
            )
        return (
            f'failed to pull and unpack image "{image}": failed to resolve reference "{image}": '
            f"{registry}/{repository}:{tag}: not found"
        )


@dataclass(frozen=True)
class SimConfig:
    time_scale: float = 1.0
    pod_start_seconds: float = 3.0
    pod_stop_seconds: float = 2.0
    backoff_seconds: float = 10.0
    max_backoff_seconds: float = 300.0
    event_ttl_seconds: float = 3600.0
    max_events: int = 3000
    images: ImagePolicy = field(default_factory=ImagePolicy)

    def scaled(self, seconds: float) -> float:
        """A simulated duration in wall-clock seconds."""
        return seconds * self.time_scale

    def backoff(self, attempt: int) -> float:
        return self.scaled(min(self.backoff_seconds * (2 ** max(attempt, 0)), self.max_backoff_seconds))

    @property
    def tick(self) -> float:
        shortest = self.scaled(min(self.pod_start_seconds, self.pod_stop_seconds, self.backoff_seconds))
        return min(0.1, max(0.005, shortest / 4))
