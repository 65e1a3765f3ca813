"""Planner builders for the model intents: which model (matched against the registry's names),
which version, which alias."""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Ask, Entities, PlannedCall

Built = tuple[list[PlannedCall], str]

# Words of the request itself, never a model name.
_NOT_NAMES = frozenset(
    """
    a an the of on for to in at by with and or is are was be it its this that my our your please now
    check drift drifted drifting data model models status show list promote promoted make set move
    version versions champion challenger alias roll back rollback revert undo retrain retraining train
    training run start kick off trigger new old previous last fresh still ok okay healthy good how
    doing health can we trust trained which what who registry mlflow report force override because
    gate strict ship refit job input production quality distribution shifted feature any there has
    did compare current go put restore bad working well against
    """.split()
)
_V_NUMBER = re.compile(r"^v(\d+)$")


def _tracking_uri() -> str:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.models.settings import ModelsSettings, default_tracking_uri

    return ModelsSettings().tracking_uri or default_tracking_uri(Settings().state_dir)


def _model(ents: Entities) -> str | None:
    from opsgraph.tools.models.names import known_models, match_model

    words = tuple(w.strip(".,;:!?'\"") for w in ents.words)
    found = match_model(words, known_models(_tracking_uri()))
    if found:
        return found
    candidates = [w for w in words if w and w not in _NOT_NAMES and not w.isdigit() and not _V_NUMBER.match(w)]
    named = [w for w in candidates if "-" in w or "_" in w]
    if named:
        return named[0]
    for i, w in enumerate(words):  # "the churn model"
        if w in ("model", "models") and i > 0 and words[i - 1] in candidates:
            return words[i - 1]
    return candidates[0] if len(candidates) == 1 else None


def _version(ents: Entities) -> int | None:
    for n in ents.numbers:
        if n.before in ("version", "v", "ver", "to", "number") or n.after in ("version",):
            return n.value
    if ents.image and _V_NUMBER.match(ents.image.lower()):
        return int(ents.image[1:])
    for w in ents.words:
        m = _V_NUMBER.match(w)
        if m:
            return int(m.group(1))
    return ents.numbers[0].value if len(ents.numbers) == 1 else None


def _need_model(ents: Entities, carried: dict[str, Any], question: str, known: dict[str, Any]) -> str:
    model = _model(ents) or carried.get("model")
    if not model:
        from opsgraph.tools.models.names import known_models

        raise Ask(question, "model", known, known_models(_tracking_uri()))
    return str(model)


def build_model_status(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _model(ents)
    if model is None:
        return [PlannedCall("model_status", {})], "List the registered models."
    return [PlannedCall("model_status", {"model": model})], f"Show {model}: versions, aliases, metrics, data."


def build_drift_check(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _need_model(ents, carried, "Which model should I check for drift?", {})
    args: dict[str, Any] = {"model": model}
    version = _version(ents)
    if version is not None:
        args["version"] = version
    return [PlannedCall("drift_check", args)], f"Check {model}'s current data against its training data."


def build_model_health(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _need_model(ents, carried, "Which model should I look at?", {})
    calls = [PlannedCall("model_status", {"model": model}), PlannedCall("drift_check", {"model": model})]
    return calls, f"Look at {model}: the champion's metrics, then data checks and drift on its current data."


def build_model_promote(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _need_model(ents, carried, "Which model should I promote?", {})
    words = set(ents.words)
    alias = "challenger" if "challenger" in words and "champion" not in words and _version(ents) else "champion"
    version = _version(ents) or carried.get("version")
    if version is None and "challenger" in words:
        from opsgraph.tools.models.names import alias_version

        version = alias_version(_tracking_uri(), model, "challenger")
    if version is None:
        raise Ask(f"Which version of {model} should become {alias}?", "version", {"model": model})
    args: dict[str, Any] = {"model": model, "version": int(version), "alias": alias}
    if words & {"override", "force", "forced", "anyway"}:
        text = ents.text or " ".join(ents.words)
        reason = text.split("because", 1)[1].strip() if "because" in text else text.strip()
        args |= {"override": True, "reason": reason[:300]}
    gated = " after the validation gate" if alias == "champion" else ""
    return [PlannedCall("model_promote", args)], f"Point {model}@{alias} at version {version}{gated}."


def build_model_rollback(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _need_model(ents, carried, "Which model should I roll back?", {})
    args: dict[str, Any] = {"model": model}
    version = _version(ents)
    if version is not None:
        args["version"] = version
    where = f"version {version}" if version is not None else "the previous champion"
    return [PlannedCall("model_rollback", args)], f"Move {model}@champion back to {where}."


def build_model_retrain(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    model = _need_model(ents, carried, "Which model should I retrain?", {})
    args: dict[str, Any] = {"model": model}
    version = _version(ents)
    if version is not None:
        args["version"] = version
    return [PlannedCall("model_retrain", args)], f"Retrain {model} with its champion's parameters."


BUILDERS = {
    "model_status": build_model_status,
    "drift_check": build_drift_check,
    "model_health": build_model_health,
    "model_promote": build_model_promote,
    "model_rollback": build_model_rollback,
    "model_retrain": build_model_retrain,
}
