"""Pod templates: the pod-template-hash that names ReplicaSets, and template equality ignoring it."""

from __future__ import annotations

import json
from typing import Any

from .meta import clone, safe_encode

HASH_LABEL = "pod-template-hash"


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A shallow view of `template` without the hash label and the null creationTimestamp."""
    metadata = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k != HASH_LABEL}
    if labels:
        metadata["labels"] = labels
    else:
        metadata.pop("labels", None)
    metadata.pop("creationTimestamp", None)
    view = {k: v for k, v in template.items() if k != "metadata"}
    if metadata:
        view["metadata"] = metadata
    return view


def canonical(template: dict[str, Any]) -> str:
    return json.dumps(_without_hash(template), sort_keys=True, separators=(",", ":"))


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def template_hash(template: dict[str, Any], collision_count: int = 0) -> str:
    """Stable short hash of a template, encoded like Kubernetes' pod-template-hash."""
    payload = canonical(template).encode()
    if collision_count:
        payload += str(collision_count).encode()
    return safe_encode(fnv32a(payload))


def same_template(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return canonical(a) == canonical(b)


def with_hash(template: dict[str, Any], hash_value: str) -> dict[str, Any]:
    copy = clone(template)
    metadata = copy.setdefault("metadata", {})
    metadata["labels"] = {**(metadata.get("labels") or {}), HASH_LABEL: hash_value}
    return copy
