"""Small object helpers shared by the store, the controllers and the API layer."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]

# Kubernetes' rand.SafeEncodeString alphabet: no vowels, no look-alike digits.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def iso(ts: float | None = None) -> str:
    """RFC 3339 at second resolution, as metav1.Time serialises."""
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(ts: float | None = None) -> str:
    """RFC 3339 with microseconds, as metav1.MicroTime serialises."""
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> float:
    text = value.replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def clone(value: Any) -> Any:
    """Deep copy of a JSON-like value (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def stable_uid(*parts: object) -> str:
    digest = hashlib.sha256("\x00".join(str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def safe_suffix(*parts: object, length: int = 5) -> str:
    """A short name suffix like the ones generateName produces, derived from `parts`."""
    digest = hashlib.sha256("\x00".join(str(p) for p in parts).encode()).digest()
    return "".join(_SAFE_ALPHABET[b % len(_SAFE_ALPHABET)] for b in digest[:length])


def safe_encode(value: int) -> str:
    """Encode an integer with the safe alphabet (how pod-template-hash reads)."""
    text = str(value)
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in text)


def hex_digest(*parts: object, length: int = 64) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()[:length]


def meta(obj: Obj) -> Obj:
    metadata: Obj = obj.setdefault("metadata", {})
    return metadata


def name_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", ""))


def namespace_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("namespace", ""))


def labels_of(obj: Obj) -> dict[str, str]:
    labels = obj.get("metadata", {}).get("labels") or {}
    return labels if isinstance(labels, dict) else {}


def annotations_of(obj: Obj) -> dict[str, str]:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    return annotations if isinstance(annotations, dict) else {}


def controller_uid(obj: Obj) -> str | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return str(ref.get("uid"))
    return None


def owner_ref(owner: Obj, *, api_version: str, kind: str) -> Obj:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name_of(owner),
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
