"""Load and validate a policy file; every error names the file, the line and the reason."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from opsgraph.core.files import InputFileError, loads_yaml, read_text, too_deep
from opsgraph.guardrails.policy.model import PolicyFile

Path_ = tuple[str | int, ...]


class PolicyError(ValueError):
    """An invalid policy file; the message is `FILE:LINE: reason`."""


def default_policy_path() -> Path:
    return Path(str(resources.files("opsgraph.guardrails.policy") / "default.yaml"))


def load_policy_file(path: Path) -> PolicyFile:
    try:
        text = read_text(path)
        raw = loads_yaml(text, path)
        root = yaml.compose(text)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from exc
    except InputFileError as exc:
        raise PolicyError(str(exc)) from None
    except RecursionError:
        raise PolicyError(too_deep(path)) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise PolicyError(f"{path}:{line}: not valid YAML ({exc.problem})") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}:1: a policy file is a mapping with version, roles, namespaces, rules")
    try:
        policy = PolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = tuple(first["loc"])
        raise PolicyError(f"{path}:{_line(root, where)}: {_describe(where)}: {first['msg']}") from exc
    _check_references(policy, path, root)
    return policy


def _check_references(policy: PolicyFile, path: Path, root: Any) -> None:
    roles = set(policy.roles) | {"any"}
    environments = set(policy.namespaces.environments)
    for i, rule in enumerate(policy.rules):
        for j, role in enumerate(rule.approvers):
            if role not in roles:
                line = _line(root, ("rules", i, "approvers", j))
                raise PolicyError(
                    f"{path}:{line}: rule {rule.name!r} names unknown role {role!r} (roles: {', '.join(sorted(roles))})"
                )
        for j, env in enumerate(rule.environments):
            if env not in environments:
                line = _line(root, ("rules", i, "environments", j))
                raise PolicyError(
                    f"{path}:{line}: rule {rule.name!r} names unknown environment {env!r} "
                    f"(environments: {', '.join(sorted(environments)) or 'none defined'})"
                )


def _describe(where: Path_) -> str:
    return ".".join(str(p) for p in where) or "policy"


def _line(node: Any, where: Path_) -> int:
    """The 1-based line of the YAML node at `where` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in where:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    child = v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
