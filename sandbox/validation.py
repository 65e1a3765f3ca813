"""Validation of what clients write: shape errors are 400 BadRequest, field errors 422 Invalid."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, Cause, bad_request, invalid, invalid_value, required
from .meta import Obj
from .quantity import QuantityError, parse_quantity

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_PERCENT = re.compile(r"^[0-9]+%$")

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def check_shape(obj: Any, kind: str, api_version: str) -> Obj:
    """What the Go decoder would refuse: not an object, wrong kind, wrongly typed well-known fields."""
    if not isinstance(obj, dict):
        raise bad_request(
            f'{kind} in version "{api_version.split("/")[-1]}" cannot be handled as a {kind}: '
            "json: cannot unmarshal into Go value of type map"
        )
    if obj.get("kind") not in (None, kind):
        raise bad_request(f"the kind in the data ({obj.get('kind')}) does not match the expected kind ({kind})")
    if obj.get("apiVersion") not in (None, api_version):
        raise bad_request(
            f"the API version in the data ({obj.get('apiVersion')}) does not match the expected API version "
            f"({api_version})"
        )
    for path, wanted in _TYPED_FIELDS.get(kind, ()):
        value = _dig(obj, path)
        wrong = value is not None and not isinstance(value, wanted)
        if wrong or (isinstance(value, bool) and wanted is int):
            raise bad_request(
                f'{kind} in version "{api_version.split("/")[-1]}" cannot be handled as a {kind}: '
                f"json: cannot unmarshal {type(value).__name__} into Go struct field {path} "
                f"of type {_GO_TYPE[wanted]}"
            )
    return obj


_GO_TYPE: dict[type, str] = {int: "int32", dict: "object", list: "array", str: "string"}
_TYPED_FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "Deployment": (
        ("metadata", dict),
        ("metadata.labels", dict),
        ("metadata.annotations", dict),
        ("spec", dict),
        ("spec.replicas", int),
        ("spec.selector", dict),
        ("spec.template", dict),
        ("spec.template.spec", dict),
        ("spec.template.spec.containers", list),
        ("spec.revisionHistoryLimit", int),
        ("spec.progressDeadlineSeconds", int),
        ("spec.minReadySeconds", int),
    ),
    "ConfigMap": (("metadata", dict), ("data", dict), ("binaryData", dict)),
    "Scale": (("spec", dict), ("spec.replicas", int)),
}


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def check_metadata(obj: Obj, causes: list[Cause]) -> None:
    metadata = obj.get("metadata") or {}
    name = metadata.get("name")
    if not name:
        causes.append(required("metadata.name"))
    elif len(name) > 253 or not _SUBDOMAIN.match(name):
        causes.append(invalid_value("metadata.name", name, _SUBDOMAIN_MSG))
    for key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(
                invalid_value(
                    "metadata.labels",
                    value,
                    "a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character",
                )
            )
        if not isinstance(key, str) or not key:
            causes.append(invalid_value("metadata.labels", key, "name part must be non-empty"))


def validate_deployment(obj: Obj, old: Obj | None = None) -> None:
    causes: list[Cause] = []
    check_metadata(obj, causes)
    spec = obj.get("spec") or {}
    replicas = spec.get("replicas", 1)
    if replicas < 0:
        causes.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    for field in ("revisionHistoryLimit", "minReadySeconds"):
        if spec.get(field, 0) < 0:
            causes.append(invalid_value(f"spec.{field}", spec[field], "must be greater than or equal to 0"))
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None and deadline <= spec.get("minReadySeconds", 0):
        causes.append(invalid_value("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    _check_selector(spec, causes)
    _check_strategy(spec.get("strategy") or {}, causes)
    _check_pod_spec((spec.get("template") or {}).get("spec") or {}, "spec.template.spec", causes)
    if old is not None and (old.get("spec") or {}).get("selector") != spec.get("selector"):
        causes.append(invalid_value("spec.selector", _go_selector(spec.get("selector")), "field is immutable"))
    if causes:
        raise invalid("Deployment", "apps", str((obj.get("metadata") or {}).get("name", "")), causes)


def _check_selector(spec: Obj, causes: list[Cause]) -> None:
    selector = spec.get("selector")
    if not selector:
        causes.append(required("spec.selector"))
        return
    match_labels = selector.get("matchLabels") or {}
    if not match_labels and not selector.get("matchExpressions"):
        causes.append(
            invalid_value("spec.selector", _go_selector(selector), "empty selector is invalid for deployment")
        )
        return
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in match_labels.items()):
        shown = "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items())) + "}"
        causes.append(
            Cause(
                "spec.template.metadata.labels",
                "FieldValueInvalid",
                f"Invalid value: {shown}: `selector` does not match template `labels`",
            )
        )


def _go_selector(selector: Any) -> str:
    labels = (selector or {}).get("matchLabels") or {}
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    expressions = "MatchExpressions:[]v1.LabelSelectorRequirement(nil)"
    return f"v1.LabelSelector{{MatchLabels:map[string]string{{{inner}}}, {expressions}}}"


def _check_strategy(strategy: Obj, causes: list[Cause]) -> None:
    kind = strategy.get("type", "RollingUpdate")
    if kind not in ("RollingUpdate", "Recreate"):
        causes.append(
            Cause(
                "spec.strategy.type",
                "FieldValueNotSupported",
                f'Unsupported value: "{kind}": supported values: "Recreate", "RollingUpdate"',
            )
        )
        return
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate" and rolling:
        causes.append(
            Cause(
                "spec.strategy.rollingUpdate",
                "FieldValueForbidden",
                "Forbidden: may not be specified when strategy `type` is 'Recreate'",
            )
        )
    if kind != "RollingUpdate" or not rolling:
        return
    values = {}
    for field in ("maxUnavailable", "maxSurge"):
        value = rolling.get(field, "25%")
        path = f"spec.strategy.rollingUpdate.{field}"
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                causes.append(invalid_value(path, value, "must be greater than or equal to 0"))
        elif not (isinstance(value, str) and _PERCENT.match(value)):
            causes.append(
                invalid_value(
                    path,
                    value,
                    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%')",
                )
            )
        values[field] = value
    if values.get("maxUnavailable") in (0, "0%") and values.get("maxSurge") in (0, "0%"):
        causes.append(
            invalid_value(
                "spec.strategy.rollingUpdate.maxUnavailable",
                values["maxUnavailable"],
                "may not be 0 when `maxSurge` is 0",
            )
        )


def _check_pod_spec(pod_spec: Obj, path: str, causes: list[Cause]) -> None:
    containers = pod_spec.get("containers") or []
    if not containers:
        causes.append(required(f"{path}.containers"))
    seen: set[str] = set()
    for i, container in enumerate(containers):
        where = f"{path}.containers[{i}]"
        if not isinstance(container, dict):
            causes.append(invalid_value(where, container, "must be an object"))
            continue
        name = container.get("name")
        if not name:
            causes.append(required(f"{where}.name"))
        elif not isinstance(name, str) or len(name) > 63 or not _DNS_LABEL.match(name):
            causes.append(invalid_value(f"{where}.name", name, _LABEL_MSG))
        elif name in seen:
            causes.append(Cause(f"{where}.name", "FieldValueDuplicate", f'Duplicate value: "{name}"'))
        else:
            seen.add(name)
        image = container.get("image")
        if not image or not str(image).strip():
            causes.append(required(f"{where}.image"))
        _check_resources(container.get("resources") or {}, f"{where}.resources", causes)
    policy = pod_spec.get("restartPolicy", "Always")
    if policy != "Always":
        causes.append(
            Cause(
                f"{path}.restartPolicy",
                "FieldValueNotSupported",
                f'Unsupported value: "{policy}": supported values: "Always"',
            )
        )


def _check_resources(resources: Obj, path: str, causes: list[Cause]) -> None:
    parsed: dict[str, dict[str, Any]] = {}
    for section in ("requests", "limits"):
        for key, value in (resources.get(section) or {}).items():
            try:
                parsed.setdefault(section, {})[key] = parse_quantity(value)
            except QuantityError:
                causes.append(
                    invalid_value(
                        f"{path}.{section}[{key}]",
                        value,
                        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                    )
                )
    for key, request in parsed.get("requests", {}).items():
        limit = parsed.get("limits", {}).get(key)
        if limit is not None and request > limit:
            causes.append(
                invalid_value(
                    f"{path}.requests",
                    str(resources["requests"][key]),
                    f"must be less than or equal to {key} limit of {resources['limits'][key]}",
                )
            )


def validate_configmap(obj: Obj) -> None:
    causes: list[Cause] = []
    check_metadata(obj, causes)
    for section in ("data", "binaryData"):
        for key, value in (obj.get(section) or {}).items():
            if len(key) > 253 or not _CONFIG_KEY.match(key):
                causes.append(
                    invalid_value(
                        f"{section}[{key}]",
                        key,
                        "a valid config key must consist of alphanumeric characters, '-', '_' "
                        "or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                        "for validation is '[-._a-zA-Z0-9]+')",
                    )
                )
            if not isinstance(value, str):
                raise bad_request(
                    f'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                    f"unmarshal {type(value).__name__} into Go struct field ConfigMap.{section} of "
                    "type string"
                )
    if causes:
        raise invalid("ConfigMap", "", str((obj.get("metadata") or {}).get("name", "")), causes)


def validate_scale(obj: Obj, name: str) -> None:
    replicas = (obj.get("spec") or {}).get("replicas", 0)
    if replicas < 0:
        raise invalid(
            "Scale",
            "autoscaling",
            name,
            [invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")],
        )


def immutable_error(kind: str, group: str, name: str, path: str) -> ApiError:
    return invalid(kind, group, name, [Cause(path, "FieldValueInvalid", "field is immutable")])
