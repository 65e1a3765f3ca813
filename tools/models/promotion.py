"""Alias moves: the promotion gate on the registry's data, and which version a rollback returns to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsgraph.tools.errors import Conflict
from opsgraph.tools.models.gate import GateResult, compare
from opsgraph.tools.models.settings import ModelsSettings

if TYPE_CHECKING:
    from opsgraph.tools.models.store import ModelStore


def evaluate_gate(store: ModelStore, settings: ModelsSettings, model: str, candidate: int, champion: int) -> GateResult:
    """Both versions predict the candidate's held-out evaluation data (which neither trained on:
    each version's evaluation split is disjoint from its own training snapshot, and the gate
    refuses data whose hash equals the champion's training snapshot)."""
    new, old = store.version(model, candidate), store.version(model, champion)
    if new.tags.get("opsgraph.evaluation_sha256") == old.reference_sha256:
        raise Conflict(f"the evaluation data of version {candidate} is version {champion}'s training data")
    frame = store.version_frame(new, "evaluation")
    target = new.target or old.target
    if not target or target not in frame.columns:
        raise Conflict(f"the evaluation data of {model} version {candidate} has no target column")
    for info in (new, old):
        missing = [c for c in info.features if c not in frame.columns]
        if missing:
            raise Conflict(f"the evaluation data lacks version {info.version}'s feature(s) {', '.join(missing)}")
    champion_pred = store.load_model(old).predict(frame[old.features])
    challenger_pred = store.load_model(new).predict(frame[new.features])
    return compare(frame[target].to_numpy(), champion_pred, challenger_pred,
                   min_improvement=settings.min_improvement, max_p_value=settings.max_p_value)  # fmt: skip


@dataclass(frozen=True)
class RollbackPlan:
    current: int | None
    target: int | None
    because: str  # where the target came from, or why there is none


def rollback_target(store: ModelStore, model: str, version: int | None) -> RollbackPlan:
    """`version` if given; else the version champion pointed to before the move that made the
    current champion (rollbacks themselves are skipped, so a second rollback after v1 -> v2 -> v1
    finds nothing more to undo)."""
    current = store.alias_version(model, "champion")
    if version is not None:
        return RollbackPlan(current, version, "requested")
    history: list[dict[str, Any]] = store.history(model)
    for entry in reversed(history):
        if entry.get("alias") != "champion" or entry.get("to") != current or entry.get("kind") == "rollback":
            continue
        before = entry.get("from")
        if before is None:
            return RollbackPlan(current, None, f"version {current} was the first champion")
        return RollbackPlan(current, int(before), f"champion before the {entry.get('kind')} of {entry.get('at')}")
    return RollbackPlan(current, None, "no earlier champion is recorded in the alias history")
