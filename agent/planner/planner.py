"""The deterministic planner: the embedded brain that works offline.

message -> entities (names resolved against the cluster inventory) -> intent (the classifier on
the masked text) -> a builder turns entities into tool arguments, or asks one question. A pending
question is answered by the next message when that message supplies what was missing.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from opsgraph.agent.planner.entities import EntityExtractor, number_problem
from opsgraph.agent.planner.intent_model import IntentModel, features, load_or_train
from opsgraph.agent.planner.limits import unavailable
from opsgraph.agent.planner.text import SpellFixer
from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Ask, Builder, Entities, FollowUp, NotFoundName, Plan, PlannedCall
from opsgraph.core.playbook import Playbook
from opsgraph.tools.capabilities import capabilities


def _declared(module_of: str, table: str) -> dict[str, Any]:
    """Merge one table (BUILDERS, PLAYBOOKS) from the module every installed capability names."""
    merged: dict[str, Any] = {}
    for capability in capabilities():
        module = getattr(capability, module_of)
        if module:
            merged |= getattr(importlib.import_module(module), table)
    return merged


def capability_builders() -> dict[str, Builder]:
    """intent -> builder, from every installed capability's planner module."""
    return _declared("planner_module", "BUILDERS")


def capability_playbooks() -> dict[str, Playbook]:
    """intent -> playbook, from every installed capability's playbooks module."""
    return _declared("playbooks_module", "PLAYBOOKS")


BUILDERS: dict[str, Builder] = capability_builders()
PLAYBOOKS: dict[str, Playbook] = capability_playbooks()

MIN_CONFIDENCE = 0.35  # below this the planner says it did not understand...
# ...unless the first intent clearly leads the second: each capability adds intents, which spreads
# probability thinner, so an absolute floor alone grows stricter with every capability installed.
CLEAR_LEAD = 1.5
SWITCH_CONFIDENCE = 0.6  # a new request this sure overrides a pending question

CANNED_REPLIES = {
    "smalltalk": "Hi! I'm opsgraph. Ask me about your workloads, e.g. 'status of checkout in prod', or say 'help'.",
    "cancel": "OK, cancelled. Nothing was changed.",
    "unknown": "I can't help with that. I work on your cluster and services; say 'help' to see what I can do.",
}


class DeterministicPlanner:
    def __init__(self, model: IntentModel) -> None:
        self.model = model
        self.playbooks = PLAYBOOKS
        self._vocabulary = frozenset(model.vocabulary())
        self._spelling = SpellFixer(set(self._vocabulary))

    @classmethod
    def load(cls, cache_dir: Path) -> DeterministicPlanner:
        return cls(load_or_train(cache_dir))

    def plan(
        self,
        text: str,
        inventory: Inventory,
        *,
        pending: FollowUp | None = None,
        last_target: tuple[str, str] | None = None,
        last_change: dict[str, Any] | None = None,
    ) -> Plan:
        ents = self._extract(text, inventory)
        masked = self._spelling.fix(ents.masked)
        plan = self._plan(ents, masked, inventory, pending, last_target, last_change)
        return replace(plan, familiarity=self.familiarity(masked), uncertainty=self.uncertainty(masked))

    def familiarity(self, masked: str) -> float:
        """Share of the (masked, spelling-fixed) request's words seen in the intent examples. It
        grows with the examples by itself: nothing here is a list of words."""
        words = [f for f in features(masked) if f.startswith("w:") and not f.startswith("w:<")]
        return sum(f in self.model.idf for f in words) / len(words) if words else 1.0

    def uncertainty(self, masked: str) -> float:
        """Normalised entropy of the intent distribution (0..1): a request that fits no intent well
        spreads its probability over many, whatever the top one's share. The router sends such
        turns to the model."""
        return self.model.uncertainty(masked)

    def _plan(
        self,
        ents: Entities,
        masked: str,
        inventory: Inventory,
        pending: FollowUp | None,
        last_target: tuple[str, str] | None,
        last_change: dict[str, Any] | None,
    ) -> Plan:
        ranked = self.model.predict(masked)
        intent, confidence = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        understood = confidence >= MIN_CONFIDENCE or confidence >= CLEAR_LEAD * runner_up
        if pending is not None:
            answered = self._answer(pending, ents, inventory, intent, confidence)
            if answered is not None:
                return answered
        missing = unavailable(ents, set(BUILDERS) | set(PLAYBOOKS))
        if missing:
            return Plan("unavailable", confidence, reply=missing)
        if intent == "help":
            topic = ents.workloads[0] if ents.workloads else None
            return Plan("help", confidence, (PlannedCall("help", {"topic": topic} if topic else {}),))
        served = set(BUILDERS) | set(PLAYBOOKS)
        if not understood or intent not in served:
            if not understood and intent in served:
                return Plan("unknown", confidence, reply=self._unsure(intent))
            return Plan(intent, confidence, reply=CANNED_REPLIES.get(intent, CANNED_REPLIES["unknown"]))
        carried: dict[str, Any] = {}
        # "now restart it": only a message that names no workload at all carries the last target.
        if last_target and not ents.workloads and not ents.unknown_names:
            carried = {"namespace": last_target[0], "name": last_target[1]}
            if last_change and last_change.get("target") == list(last_target):
                carried["last_change"] = last_change
        return self._build(intent, confidence, ents, inventory, carried)

    def _extract(self, text: str, inventory: Inventory) -> Entities:
        return EntityExtractor(inventory, self._vocabulary).extract(text)

    def _build(self, intent: str, confidence: float, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Plan:
        problem = number_problem(ents)
        if problem is not None:  # refused as written: never flipped, clamped or passed on
            return Plan(intent, confidence, reply=problem, failed=True)
        try:
            if intent in PLAYBOOKS:
                step = PLAYBOOKS[intent].start(ents, inv, carried)
                return Plan(intent, confidence, reply=step.note, step=step, target=_target_of(step.calls))
            calls, reply = BUILDERS[intent](ents, inv, carried)
        except NotFoundName as missing:
            return Plan(intent, confidence, reply=missing.message, failed=True)
        except Ask as ask:
            known = {k: v for k, v in ask.known.items() if k != "last_change"}
            follow_up = FollowUp(intent, known, ask.missing, ask.options, text=ents.text)
            return Plan(intent, confidence, reply=ask.question, follow_up=follow_up)
        return Plan(intent, confidence, tuple(calls), reply, target=_target_of(calls))

    def _answer(self, pending: FollowUp, ents: Entities, inv: Inventory, intent: str, confidence: float) -> Plan | None:
        """Use the message as the answer to `pending` when it supplies what was missing."""
        if intent == "cancel" and confidence >= 0.5:
            return Plan("cancel", confidence, reply=CANNED_REPLIES["cancel"])
        recognisable = {
            "name": bool(ents.workloads),
            "namespace": bool(ents.namespaces),
            "replicas": bool(ents.numbers) or ents.has_word("double", "halve", "half"),
            "image": bool(ents.image),
            "revision": bool(ents.numbers) or ents.has_word("previous", "last"),
        }
        # A detail the extractor knows must be in the answer; any other (a capability's own, like a
        # database engine) is whatever the person answered, read together with the first request.
        supplied = recognisable.get(pending.missing, bool(ents.words))
        new_request = (
            confidence >= SWITCH_CONFIDENCE and intent != pending.intent and intent in set(BUILDERS) | set(PLAYBOOKS)
        )
        if not supplied or (new_request and len(ents.masked.split()) > 2):
            return None
        # The answer fills what was missing and keeps every detail already given: read the first
        # request and the answer as one message.
        combined = self._extract(f"{pending.text} {ents.text}", inv) if pending.text else ents
        return self._build(pending.intent, 1.0, combined, inv, dict(pending.args))

    def _unsure(self, guess: str) -> str:
        return f"I'm not sure what you want. Did you mean {guess.replace('_', ' ')}? Say 'help' for examples."


def _target_of(calls: Any) -> tuple[str, str] | None:
    first = next(iter(calls), None)
    if first is not None and "name" in first.args and "namespace" in first.args:
        return (str(first.args["namespace"]), str(first.args["name"]))
    return None
