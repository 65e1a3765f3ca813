"""Kubernetes manifests checked against the API models of the official client (unknown fields,
wrong types, missing required fields), and NetworkPolicies checked to admit only the named
namespaces."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from opsgraph.tools.terraform.report import Check

NS_LABEL = "kubernetes.io/metadata.name"
MODELS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "Secret"): "V1Secret",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
}
_PRIMITIVES: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "bool": bool, "float": (int, float)}


def _line(node: yaml.Node | None, path: list[str | int]) -> int | None:
    """1-based line of the value at `path` inside a composed YAML document."""
    best = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is None:
            break
        best = node.start_mark.line + 1
    return best


def _walk(value: Any, type_name: str, path: list[str | int], errors: list[tuple[list[str | int], str]]) -> None:
    from kubernetes import client

    if value is None:
        return
    if type_name.lower().startswith("list["):
        if not isinstance(value, list):
            errors.append((path, f"expected a list, got {type(value).__name__}"))
            return
        for i, item in enumerate(value):
            _walk(item, type_name[5:-1], [*path, i], errors)
        return
    if type_name.lower().startswith(("dict(", "dict[")):
        if not isinstance(value, dict):
            errors.append((path, f"expected a mapping, got {type(value).__name__}"))
            return
        inner = type_name[5:-1].split(",", 1)[1].strip()
        for key, item in value.items():
            _walk(item, inner, [*path, key], errors)
        return
    if type_name in _PRIMITIVES:
        expected = _PRIMITIVES[type_name]
        if (isinstance(value, bool) and type_name != "bool") or not isinstance(value, expected):
            errors.append((path, f"expected {type_name}, got {type(value).__name__} {value!r}"))
        return
    model = getattr(client, type_name, None)
    if model is None:  # object, datetime, int-or-string: accepted as written
        return
    if not isinstance(value, dict):
        errors.append((path, f"expected a {type_name} mapping, got {type(value).__name__}"))
        return
    by_json = {json_key: attr for attr, json_key in model.attribute_map.items()}
    for key, item in value.items():
        attr = by_json.get(key)
        if attr is None:
            errors.append(([*path, key], f"unknown field {key!r} in {type_name}"))
            continue
        _walk(item, model.openapi_types[attr], [*path, key], errors)


def validate_manifest(doc: dict[str, Any], node: yaml.Node | None, file: str) -> list[Check]:
    from kubernetes.client import ApiClient

    kind = (doc.get("apiVersion"), doc.get("kind"))
    name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
    model = MODELS.get(kind)  # type: ignore[arg-type]
    if model is None:
        return [
            Check(
                id="K8S_SCHEMA",
                source="kubernetes",
                passed=False,
                message=f"unsupported kind {kind}",
                file=file,
                line=_line(node, []),
                resource=name,
            )
        ]
    errors: list[tuple[list[str | int], str]] = []
    _walk(doc, model, [], errors)
    if not errors:
        try:  # required fields and enums: the generated models refuse them in their setters
            ApiClient()._ApiClient__deserialize(doc, model)  # type: ignore[attr-defined]
        except (ValueError, TypeError) as exc:
            errors.append(([], " ".join(str(exc).split())[:300]))
    if errors:
        return [
            Check(
                id="K8S_SCHEMA",
                source="kubernetes",
                passed=False,
                message=f"{'.'.join(map(str, p)) or name}: {msg}",
                file=file,
                line=_line(node, p),
                resource=name,
            )
            for p, msg in errors
        ]
    return [
        Check(
            id="K8S_SCHEMA",
            source="kubernetes",
            passed=True,
            message=f"{name} matches the {model} model",
            file=file,
            line=_line(node, []),
            resource=name,
        )
    ]


def load_documents(root: Path) -> list[tuple[str, dict[str, Any], yaml.Node | None]]:
    out: list[tuple[str, dict[str, Any], yaml.Node | None]] = []
    for path in sorted((root / "kubernetes").glob("*.y*ml")):
        rel = f"kubernetes/{path.name}"
        text = path.read_text(encoding="utf-8")
        nodes = list(yaml.compose_all(text))
        for node, doc in zip(nodes, yaml.safe_load_all(text), strict=False):
            if isinstance(doc, dict):
                out.append((rel, doc, node))
    return out


def _peer_namespaces(peer: dict[str, Any]) -> tuple[list[str] | None, str | None]:
    """Namespaces a peer admits, or (None, problem) when it admits more than named namespaces."""
    if "ipBlock" in peer:
        return None, f"ipBlock {peer['ipBlock'].get('cidr')} admits addresses, not namespaces"
    ns_sel = peer.get("namespaceSelector")
    if ns_sel is None:
        pod_sel = peer.get("podSelector") or {}
        if not (pod_sel.get("matchLabels") or pod_sel.get("matchExpressions")):
            return None, "an empty podSelector admits every pod of the namespace"
        return [], None  # pods of the policy's own namespace, selected by label
    labels = ns_sel.get("matchLabels") or {}
    names = [labels[NS_LABEL]] if NS_LABEL in labels else []
    for expr in ns_sel.get("matchExpressions") or []:
        if expr.get("key") == NS_LABEL and expr.get("operator") == "In":
            names += list(expr.get("values") or [])
    if not names:
        return None, "a namespaceSelector without kubernetes.io/metadata.name admits namespaces by other labels"
    return names, None


def network_policy_checks(
    docs: list[tuple[str, dict[str, Any], yaml.Node | None]], allowed: dict[str, tuple[str, ...]]
) -> list[Check]:
    """`allowed`: app label -> namespaces that must be (exactly) the ones admitted to its pods."""
    checks: list[Check] = []
    policies = [(f, d, n) for f, d, n in docs if d.get("kind") == "NetworkPolicy"]
    admitted: dict[str, set[str]] = {}
    for file, doc, node in policies:
        spec = doc.get("spec") or {}
        name = f"NetworkPolicy/{(doc.get('metadata') or {}).get('name')}"
        problems = []
        if "Ingress" not in (spec.get("policyTypes") or []):
            problems.append("policyTypes lacks Ingress")
        app = ((spec.get("podSelector") or {}).get("matchLabels") or {}).get("app")
        for i, rule in enumerate(spec.get("ingress") or []):
            peers = rule.get("from")
            if not peers:
                problems.append(f"ingress[{i}] has no `from`: it admits everyone")
                continue
            for peer in peers:
                names, problem = _peer_namespaces(peer)
                if problem:
                    problems.append(f"ingress[{i}]: {problem}")
                admitted.setdefault(app or "", set()).update(names or [])
        checks.append(
            Check(
                id="K8S_NETPOL_RESTRICTED",
                source="kubernetes",
                passed=not problems,
                message="; ".join(problems) or "admits only named namespaces and selected pods",
                file=file,
                line=_line(node, ["spec"]),
                resource=name,
            )
        )
    for app, namespaces in allowed.items():
        got = admitted.get(app, set())
        where: tuple[str | None, int | None] = next(
            ((f, _line(n, ["spec", "ingress"])) for f, d, n in policies if _selects(d, app)), (None, None)
        )
        policy_file, line = where
        checks.append(
            Check(
                id="K8S_NETPOL_NAMESPACES",
                source="kubernetes",
                passed=got == set(namespaces),
                message=f"pods app={app} admit namespaces {sorted(got) or 'none'} (asked: {sorted(namespaces)})",
                file=policy_file,
                line=line,
                resource=f"app={app}",
            )
        )
    return checks


def _selects(doc: dict[str, Any], app: str) -> bool:
    return (((doc.get("spec") or {}).get("podSelector") or {}).get("matchLabels") or {}).get("app") == app


def run(root: Path, allowed: dict[str, tuple[str, ...]]) -> list[Check]:
    try:
        docs = load_documents(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [Check(id="K8S_YAML", source="kubernetes", passed=False, message=re.sub(r"\s+", " ", str(exc))[:300],
                      line=mark.line + 1 if mark else None)]  # fmt: skip
    checks: list[Check] = []
    for file, doc, node in docs:
        checks += validate_manifest(doc, node, file)
    return checks + network_policy_checks(docs, allowed)
