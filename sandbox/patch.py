"""The three PATCH flavours: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge.

Strategic merge is the Kubernetes flavour: like a merge patch, except lists of named things
(containers, env, ports, volumes...) are merged element by element on their merge key, and
`$patch` / `$setElementOrder` / `$retainKeys` / `$deleteFromPrimitiveList` directives apply.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, bad_request
from .meta import clone

# patchMergeKey of the list fields the sandbox's kinds carry (keyed by field name).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "conditions": "type",
    "hostAliases": "ip",
    "resourceClaims": "name",
}
# Primitive lists Kubernetes merges as sets rather than replacing.
SET_LISTS = frozenset({"finalizers"})

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip().lower()
    if kind == JSON_PATCH:
        if not isinstance(patch, list):
            raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return json_patch(target, patch)
    if not isinstance(patch, dict):
        raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
    if kind == MERGE:
        return merge_patch(target, patch)
    return strategic_merge(target, patch)


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge(target: Any, patch: dict[str, Any]) -> Any:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    if directive is not None:
        raise _invalid(f"unknown patch type: {directive}")
    result: dict[str, Any] = clone(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys",):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, current: Any, patch: list[Any]) -> list[Any]:
    merge_key = MERGE_KEYS.get(field)
    if field in SET_LISTS and isinstance(current, list):
        return list(current) + [v for v in patch if v not in current]
    if merge_key is None or not isinstance(current, list):
        return [clone(v) for v in patch if not (isinstance(v, dict) and v.get("$patch"))]
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [clone(v) for v in patch if not (isinstance(v, dict) and "$patch" in v)]
    result = [clone(v) for v in current]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise _invalid(f"map: {item!r} does not contain declared merge key: {merge_key}")
        index = next(
            (i for i, v in enumerate(result) if isinstance(v, dict) and v.get(merge_key) == item[merge_key]),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(strategic_merge({}, item))
        else:
            result[index] = strategic_merge(result[index], item)
    return result


def json_patch(target: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    doc: Any = clone(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request('json patch: every operation needs "op" and "path"')
        name, path = op["op"], _pointer(op["path"])
        if name == "add":
            doc = _add(doc, path, clone(_need(op, "value")))
        elif name == "remove":
            doc, _ = _remove(doc, path)
        elif name == "replace":
            doc, _ = _remove(doc, path)
            doc = _add(doc, path, clone(_need(op, "value")))
        elif name in ("move", "copy"):
            source = _pointer(str(_need(op, "from")))
            value = _get(doc, source)
            if name == "move":
                doc, _ = _remove(doc, source)
            doc = _add(doc, path, clone(value))
        elif name == "test":
            if _get(doc, path) != op.get("value"):
                raise _invalid(f"testing value {op['path']} failed: test failed")
        else:
            raise bad_request(f"Unexpected kind: {name}")
    if not isinstance(doc, dict):
        raise _invalid("the patch replaced the whole object with a non-object")
    return doc


def _need(op: dict[str, Any], key: str) -> Any:
    if key not in op:
        raise bad_request(f"json patch: operation {op.get('op')!r} needs {key!r}")
    return op[key]


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _invalid(f"json patch: path {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _get(doc: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise _invalid(f"doc is missing path: /{'/'.join(path)}: missing value")
    return doc


def _add(doc: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _invalid(f"json patch: index {last} out of bounds")
    else:
        raise _invalid(f"doc is missing path: /{'/'.join(path)}: missing value")
    return doc


def _remove(doc: Any, path: list[str]) -> tuple[Any, Any]:
    if not path:
        return None, doc
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return doc, parent.pop(int(last))
    raise _invalid(f"doc is missing path: /{'/'.join(path)}: missing value")


def _invalid(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)
