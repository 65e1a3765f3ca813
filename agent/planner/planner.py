"""The deterministic planner: the embedded brain that works offline.

message -> entities (names resolved against the cluster inventory) -> intent (the classifier on
the masked text) -> a builder turns entities into tool arguments, or asks one question. A pending
question is answered by the next message when that message supplies what was missing.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from opsgraph.agent.planner.entities import EntityExtractor
from opsgraph.agent.planner.intent_model import IntentModel, load_or_train
from opsgraph.agent.planner.text import SpellFixer
from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Ask, Builder, Entities, FollowUp, Plan, PlannedCall
from opsgraph.tools.capabilities import capabilities


def capability_builders() -> dict[str, Builder]:
    """intent -> builder, from every installed capability's planner module."""
    builders: dict[str, Builder] = {}
    for capability in capabilities():
        if capability.planner_module:
            builders |= importlib.import_module(capability.planner_module).BUILDERS
    return builders


BUILDERS: dict[str, Builder] = capability_builders()

MIN_CONFIDENCE = 0.35  # below this the planner says it did not understand
SWITCH_CONFIDENCE = 0.6  # a new request this sure overrides a pending question

CANNED_REPLIES = {
    "smalltalk": "Hi! I'm opsgraph. Ask me about your workloads, e.g. 'status of checkout in prod', or say 'help'.",
    "cancel": "OK, cancelled. Nothing was changed.",
    "unknown": "I can't help with that. I work on your cluster and services; say 'help' to see what I can do.",
}


class DeterministicPlanner:
    def __init__(self, model: IntentModel) -> None:
        self.model = model
        self._spelling = SpellFixer(model.vocabulary())

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
    ) -> Plan:
        ents = EntityExtractor(inventory).extract(text)
        ranked = self.model.predict(self._spelling.fix(ents.masked))
        intent, confidence = ranked[0]
        if pending is not None:
            answered = self._answer(pending, ents, inventory, intent, confidence)
            if answered is not None:
                return answered
        if intent == "help":
            topic = ents.workloads[0] if ents.workloads else None
            return Plan("help", confidence, (PlannedCall("help", {"topic": topic} if topic else {}),))
        if confidence < MIN_CONFIDENCE or intent not in BUILDERS:
            if confidence < MIN_CONFIDENCE and intent in BUILDERS:
                return Plan("unknown", confidence, reply=self._unsure(intent))
            return Plan(intent, confidence, reply=CANNED_REPLIES.get(intent, CANNED_REPLIES["unknown"]))
        carried: dict[str, Any] = {}
        if last_target and not ents.workloads:
            carried = {"namespace": last_target[0], "name": last_target[1]}
        return self._build(intent, confidence, ents, inventory, carried)

    def _build(self, intent: str, confidence: float, ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Plan:
        try:
            calls, reply = BUILDERS[intent](ents, inv, carried)
        except Ask as ask:
            follow_up = FollowUp(intent, ask.known, ask.missing, ask.options)
            return Plan(intent, confidence, reply=ask.question, follow_up=follow_up)
        target = None
        if calls and "name" in calls[0].args and "namespace" in calls[0].args:
            target = (str(calls[0].args["namespace"]), str(calls[0].args["name"]))
        return Plan(intent, confidence, tuple(calls), reply, target=target)

    def _answer(self, pending: FollowUp, ents: Entities, inv: Inventory, intent: str, confidence: float) -> Plan | None:
        """Use the message as the answer to `pending` when it supplies what was missing."""
        if intent == "cancel" and confidence >= 0.5:
            return Plan("cancel", confidence, reply=CANNED_REPLIES["cancel"])
        supplied = {
            "name": bool(ents.workloads),
            "namespace": bool(ents.namespaces),
            "replicas": bool(ents.numbers) or ents.has_word("double", "halve", "half"),
            "image": bool(ents.image),
        }.get(pending.missing, False)
        new_request = confidence >= SWITCH_CONFIDENCE and intent != pending.intent and intent in BUILDERS
        if not supplied or (new_request and len(ents.masked.split()) > 2):
            return None
        carried = dict(pending.args)
        return self._build(pending.intent, 1.0, ents, inv, carried)

    def _unsure(self, guess: str) -> str:
        return f"I'm not sure what you want. Did you mean {guess.replace('_', ' ')}? Say 'help' for examples."
