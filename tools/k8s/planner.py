"""Turn recognised entities into Kubernetes tool arguments, or ask for what is missing."""

from __future__ import annotations

import itertools
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.names import check_namespaces, check_workload_names
from opsgraph.core.planning import Ask, Entities, NumberMention, PlannedCall

Built = tuple[list[PlannedCall], str]

COUNT_WORDS = {"replicas", "replica", "pods", "pod", "instances", "instance", "copies", "copy", "x"}
TO_WORDS = {"to", "=", "at", "replicas", "x", "with", "of"}
DOWN_WORDS = {"down", "reduce", "decrease", "remove", "drop", "shrink", "fewer", "less", "minus", "lower"}
MORE_WORDS = {"more", "extra", "additional"}
LESS_WORDS = {"fewer", "less"}
REVISION_WORDS = {"revision", "rev", "to-revision", "#", "r"}
LINE_WORDS = {"lines", "line"}


def _choices(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def resolve_target(ents: Entities, inv: Inventory, carried: dict[str, Any], verb: str) -> tuple[str, str]:
    """(namespace, name) of the workload the message is about; asks when it cannot tell, and
    reports a name that resolves to nothing (NotFoundName) instead of guessing."""
    check_namespaces(ents, inv)
    check_workload_names(ents, inv)
    name = ents.workloads[0] if ents.workloads else carried.get("name")
    namespace = ents.namespaces[0] if ents.namespaces else carried.get("namespace")
    if not name:
        options = inv.in_namespace(namespace) if namespace else inv.names
        where = f" in {namespace}" if namespace else ""
        raise Ask(
            f"Which deployment should I {verb}{where}? ({', '.join(options[:12])})",
            "name",
            {"namespace": namespace} if namespace else {},
            tuple(options),
        )
    homes = inv.namespaces_of(name)
    if namespace and namespace not in homes and homes:
        raise Ask(
            f"There is no {name} in {namespace}; it runs in {_choices(homes)}. Which one?",
            "namespace",
            {"name": name},
            tuple(homes),
        )
    if not namespace:
        if len(homes) == 1:
            namespace = homes[0]
        else:
            raise Ask(f"Which namespace is {name} in: {_choices(homes)}?", "namespace", {"name": name}, tuple(homes))
    return namespace, name


def _absolute_or_relative(numbers: tuple[NumberMention, ...], words: tuple[str, ...]) -> tuple[str, int] | None:
    down = any(w in DOWN_WORDS for w in words) or any(a == "scale" and b == "in" for a, b in itertools.pairwise(words))
    for n in numbers:
        if n.before in {"by", "add", "plus", "+"} or n.after in MORE_WORDS:
            return ("delta", -n.value if (down or n.after in LESS_WORDS) else n.value)
        if n.before in {"remove", "drop", "minus"} or n.after in LESS_WORDS:
            return ("delta", -n.value)
    for n in numbers:
        if n.after in COUNT_WORDS or n.before in TO_WORDS or n.before == "replicas":
            return ("absolute", n.value)
    if len(numbers) == 1:
        return ("absolute", numbers[0].value)
    return None


def build_scale(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    namespace, name = resolve_target(ents, inv, carried, "scale")
    workload = inv.get(namespace, name)
    current = workload.replicas if workload else None
    replicas: int | None = carried.get("replicas")
    found = _absolute_or_relative(ents.numbers, ents.words)
    if found and found[0] == "absolute":
        replicas = found[1]
    elif found and current is not None:
        replicas = max(0, current + found[1])
    elif ents.has_word("double") and current is not None:
        replicas = current * 2
    elif ents.has_word("halve", "half") and current is not None:
        replicas = max(1, current // 2)
    if replicas is None:
        now = f" It has {current} now." if current is not None else ""
        raise Ask(
            f"How many replicas should {namespace}/{name} have?{now}",
            "replicas",
            {"name": name, "namespace": namespace},
        )
    args = {"name": name, "namespace": namespace, "replicas": replicas}
    return [PlannedCall("k8s_scale", args)], f"Scale {namespace}/{name} to {replicas} replicas."


def _workload_of_image(image: str | None, inv: Inventory) -> str | None:
    if not image or "/" not in image:
        return None
    repository = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return repository if repository in inv.names else None


def image_or_version(requested: str) -> dict[str, str]:
    """ "1.9.0" is a version (a tag, as written); "ghcr.io/acme/checkout:2.5.0" is an image."""
    if "/" in requested or ":" in requested or "@" in requested:
        return {"image": requested}
    return {"version": requested}


def build_deploy(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    named_by_image = _workload_of_image(ents.image, inv) if not ents.workloads else None
    if named_by_image:  # "deploy ghcr.io/acme/checkout:2.5.0 to prod": the repository names it
        carried = {**carried, "name": named_by_image}
    namespace, name = resolve_target(ents, inv, carried, "deploy")
    image = ents.image or carried.get("image")
    if not image:
        workload = inv.get(namespace, name)
        now = f" It runs {', '.join(workload.images)} now." if workload and workload.images else ""
        raise Ask(
            f"Which image or tag should I deploy to {namespace}/{name}?{now}",
            "image",
            {"name": name, "namespace": namespace},
        )
    args = {"name": name, "namespace": namespace, **image_or_version(image)}
    return [PlannedCall("k8s_deploy", args)], f"Deploy {image} to {namespace}/{name} and watch the rollout."


def build_rollback(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    namespace, name = resolve_target(ents, inv, carried, "roll back")
    if ents.image and "/" not in ents.image:
        # "roll back checkout to 1.14.2" names an image tag, not a revision number.
        deploy = {"name": name, "namespace": namespace, "version": ents.image}
        return [PlannedCall("k8s_deploy", deploy)], (
            f"Deploy {ents.image} to {namespace}/{name} (an older tag; to restore a whole earlier "
            "template, roll back to a revision number)."
        )
    revision = carried.get("revision")
    for n in ents.numbers:
        if n.before in REVISION_WORDS or n.before == "to" or len(ents.numbers) == 1:
            revision = n.value
            break
    change = carried.get("last_change")
    if revision is None and change:
        return _undo(change, namespace, name)
    args: dict[str, Any] = {"name": name, "namespace": namespace}
    if revision:
        args["revision"] = revision
    which = f"revision {revision}" if revision else "the previous revision"
    return [PlannedCall("k8s_rollback", args)], f"Roll back {namespace}/{name} to {which}."


def _undo(change: dict[str, Any], namespace: str, name: str) -> Built:
    """ "roll it back" right after a change in this conversation undoes that change, not whatever
    the rollout history says came before."""
    tool, data = change.get("tool"), change.get("data") or {}
    if tool == "k8s_scale" and data.get("previous") is not None:
        previous = int(data["previous"])
        args = {"name": name, "namespace": namespace, "replicas": previous}
        return [PlannedCall("k8s_scale", args)], (
            f"Undo the last change here: scale {namespace}/{name} back to {previous} replicas."
        )
    if tool in ("k8s_deploy", "k8s_rollback"):
        args = {"name": name, "namespace": namespace}
        return [PlannedCall("k8s_rollback", args)], (
            f"Undo the last change here: roll {namespace}/{name} back to the previous revision."
        )
    raise Ask(
        f"The last change to {namespace}/{name} here was {str(tool).replace('_', ' ')}, which cannot be undone "
        "as such. Roll back to which revision? (say a number, or 'previous')",
        "revision",
        {"name": name, "namespace": namespace},
    )


def build_restart(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    namespace, name = resolve_target(ents, inv, carried, "restart")
    args = {"name": name, "namespace": namespace}
    return [PlannedCall("k8s_restart", args)], f"Rolling restart of {namespace}/{name}."


def build_logs(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    namespace, name = resolve_target(ents, inv, carried, "show logs of")
    args: dict[str, Any] = {"name": name, "namespace": namespace}
    for n in ents.numbers:
        if n.after in LINE_WORDS or n.before in {"tail", "last"} or len(ents.numbers) == 1:
            args["tail"] = max(1, min(n.value, 2000))
            break
    if ents.pod:
        args["pod"] = ents.pod
    if ents.has_word("previous", "crashed", "prior"):
        args["previous"] = True
    return [PlannedCall("k8s_logs", args)], f"Show the logs of {namespace}/{name}."


def build_status(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    check_namespaces(ents, inv)
    check_workload_names(ents, inv)
    name = ents.workloads[0] if ents.workloads else None
    namespace = ents.namespaces[0] if ents.namespaces else None
    if name is None:
        args = {"namespace": namespace} if namespace else {}
        where = namespace or "every namespace"
        return [PlannedCall("k8s_status", args)], f"Overview of {where}."
    homes = inv.namespaces_of(name)
    if namespace:
        homes = [namespace]
    # Reading is harmless: when the name runs in several namespaces, show each instead of asking.
    calls = [PlannedCall("k8s_status", {"namespace": ns, "name": name}) for ns in homes]
    return calls, f"Status of {name} in {_choices(homes)}."


BUILDERS = {
    "k8s_status": build_status,
    "k8s_deploy": build_deploy,
    "k8s_scale": build_scale,
    "k8s_rollback": build_rollback,
    "k8s_restart": build_restart,
    "k8s_logs": build_logs,
}
