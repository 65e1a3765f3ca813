"""Faults that arrive with a release: a new revision of the deployment's template, rolled out by the
deployment controller like `kubectl set image` would, and undone by putting the old template back
(what `kubectl rollout undo` does) when the fault is cleared."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..config import split_image
from ..meta import Obj, clone
from ..rollout import CHANGE_CAUSE
from ..store import Store
from ..templates import canonical
from .spec import Fault, FaultError

_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def deployment(store: Store, fault: Fault) -> Obj:
    found = store.get("deployments", fault.namespace, fault.name)
    if found is None:
        raise FaultError(f"{fault.kind}: deployment {fault.target} not found")
    return found


def container_of(dep: Obj, name: str, kind: str) -> dict[str, Any]:
    containers = dep["spec"]["template"]["spec"].get("containers") or []
    if not name:
        return dict(containers[0])
    for c in containers:
        if c.get("name") == name:
            return dict(c)
    names = ", ".join(str(c.get("name")) for c in containers)
    raise FaultError(f"{kind}: no container {name!r} in the deployment (it has: {names})")


def next_image(image: str, wanted: str = "") -> str:
    """The image of the release: `wanted` (a full reference, or a tag of the same repository), else
    the current image with its last version number bumped (1.14.2 -> 1.14.3, 1.15.0-rc.2 -> -rc.3)."""
    base = image.split("@", 1)[0]
    _, _, tag = split_image(base)
    name_part = base.rsplit(":", 1)[0] if ":" in base.rsplit("/", 1)[-1] else base
    if wanted:
        if "/" in wanted or ":" in wanted:
            return wanted
        return f"{name_part}:{wanted}"
    match = _LAST_NUMBER.search(tag)
    bumped = f"{tag[: match.start()]}{int(match.group(1)) + 1}{tag[match.end() :]}" if match else f"{tag}.1"
    return f"{name_part}:{bumped}"


def release_tag(image: str) -> str:
    return split_image(image)[2]


def roll_out(store: Store, dep: Obj, mutate: Callable[[Obj], None], change_cause: str) -> dict[str, Any]:
    """Apply `mutate` to a copy of the pod template and save it as a new generation; what undo needs."""
    new = clone(dep)
    before = clone(dep["spec"]["template"])
    mutate(new["spec"]["template"])
    if canonical(new["spec"]["template"]) == canonical(before):
        raise FaultError(f"the release changes nothing in {dep['metadata']['namespace']}/{dep['metadata']['name']}")
    annotations = new["metadata"].setdefault("annotations", {})
    previous_cause = annotations.get(CHANGE_CAUSE)
    if change_cause:
        annotations[CHANGE_CAUSE] = change_cause
    new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
    store.update("deployments", new)
    return {
        "template_before": before,
        "template_after": clone(new["spec"]["template"]),
        "change_cause_before": previous_cause,
    }


def undo(store: Store, namespace: str, name: str, release: dict[str, Any]) -> bool:
    """Put the template from before the release back, if the release is still what runs."""
    dep = store.get("deployments", namespace, name)
    if dep is None or canonical(dep["spec"]["template"]) != canonical(release["template_after"]):
        return False
    new = clone(dep)
    new["spec"]["template"] = clone(release["template_before"])
    annotations = new["metadata"].setdefault("annotations", {})
    if release.get("change_cause_before"):
        annotations[CHANGE_CAUSE] = release["change_cause_before"]
    else:
        annotations.pop(CHANGE_CAUSE, None)
    new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
    store.update("deployments", new)
    return True


def set_container(template: Obj, container: str, change: Callable[[dict[str, Any]], None]) -> None:
    for c in template["spec"]["containers"]:
        if c["name"] == container:
            change(c)
            return
