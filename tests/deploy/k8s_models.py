"""Strict checks of manifests against the official `kubernetes` client's API models.

The walk below uses each model's `openapi_types` and `attribute_map` (present in every client
version): a key the API does not define, or a value of the wrong JSON type, is an error with its
path. Where the client's models are pydantic (v34+), `model_validate` also checks required
fields and strict scalar types; on older clients the generated constructors check required ones.
"""

from __future__ import annotations

import re
from typing import Any

KINDS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Service"): "V1Service",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
}
_LIST = re.compile(r"^(?:List\[|list\[)(.*)\]$")
_DICT = re.compile(r"^(?:Dict\[str, |dict\(str, )(.*)[\])]$")
_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "float": (int, float),
    "datetime": (str,),
    "date": (str,),
    "bytearray": (str,),
}


def model_class(name: str) -> Any:
    import kubernetes.client

    return getattr(kubernetes.client, name)


def problems(obj: dict[str, Any]) -> list[str]:
    """Everything wrong with one manifest object, as `path: reason` lines (empty when valid)."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    name = KINDS.get(key)  # type: ignore[arg-type]
    if name is None:
        return [f"{key}: no API model is known here for this kind"]
    return check(obj, name)


def check(data: Any, type_name: str, path: str = "") -> list[str]:
    out = _walk(data, type_name, path or type_name)
    if not out:
        out += _pydantic(data, type_name, path or type_name)
    return out


def _walk(data: Any, type_name: str, path: str) -> list[str]:
    if type_name == "object":  # IntOrString, Quantity and free-form values
        return []
    if match := _LIST.match(type_name):
        if not isinstance(data, list):
            return [f"{path}: expected a list, got {type(data).__name__}"]
        return [p for i, item in enumerate(data) for p in _walk(item, match.group(1), f"{path}[{i}]")]
    if match := _DICT.match(type_name):
        if not isinstance(data, dict):
            return [f"{path}: expected a map, got {type(data).__name__}"]
        return [p for k, v in data.items() for p in _walk(v, match.group(1), f"{path}.{k}")]
    if type_name in _SCALARS:
        ok = isinstance(data, _SCALARS[type_name]) and not (type_name == "int" and isinstance(data, bool))
        return [] if ok else [f"{path}: expected {type_name}, got {type(data).__name__} {data!r}"]
    cls = model_class(type_name)
    if not isinstance(data, dict):
        return [f"{path}: expected an object ({type_name}), got {type(data).__name__}"]
    by_json = {json_key: attr for attr, json_key in cls.attribute_map.items()}
    out = []
    for json_key, value in data.items():
        attr = by_json.get(json_key)
        if attr is None:
            out.append(f"{path}.{json_key}: not a field of {type_name}")
        elif value is not None:
            out += _walk(value, cls.openapi_types[attr], f"{path}.{json_key}")
    return out


def _pydantic(data: Any, type_name: str, path: str) -> list[str]:
    cls = model_class(type_name)
    validate = getattr(cls, "model_validate", None)
    if validate is None:  # pre-pydantic clients: the constructors check required fields
        from kubernetes.client import ApiClient

        class _Response:
            def __init__(self, text: str) -> None:
                self.data = text

        import json

        try:
            ApiClient().deserialize(_Response(json.dumps(data)), type_name)
        except (ValueError, TypeError) as exc:
            return [f"{path}: {exc}"]
        return []
    from pydantic import ValidationError

    try:
        validate(data)
    except ValidationError as exc:
        return [f"{path}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return []
