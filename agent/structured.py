"""A playbook asked for as structure: `AgentRequest.playbook` names the playbook and its target
(an incident's remediation policy: "investigate prod/checkout"), and the loop runs it step by step
whichever brain is configured. No words are parsed back: the target comes as fields, is checked
against the inventory like a person's words would be, and the playbook's proposed fix goes
through policy and approval like any other call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsgraph.agent.brain import BrainOutput, _from_step

if TYPE_CHECKING:
    from opsgraph.core.inventory import Inventory
    from opsgraph.core.playbook import Observation, Playbook


def _playbooks() -> dict[str, Playbook]:
    from opsgraph.agent.planner.planner import PLAYBOOKS

    return PLAYBOOKS


def _refused(intent: str, text: str) -> BrainOutput:
    from langchain_core.messages import AIMessage

    return BrainOutput(AIMessage(text), intent, 1.0, failed=True)


def start(request: dict[str, Any], inventory: Inventory) -> BrainOutput:
    """The playbook's first reads (or its conclusion, or why it cannot start)."""
    from opsgraph.core.planning import Ask, Entities, NotFoundName

    intent = str(request["intent"])
    playbook = _playbooks().get(intent)
    if playbook is None:
        known = ", ".join(sorted(_playbooks())) or "none"
        return _refused(intent, f"there is no playbook {intent} (playbooks: {known})")
    namespace, name = request.get("namespace"), request.get("name")
    ents = Entities(
        namespaces=(namespace,) if namespace else (),
        workloads=(name,) if name else (),
        numbers=(),
        image=None,
        pod=None,
        incident=None,
        window=request.get("window"),
        masked="",
        words=(),
    )
    try:
        step = playbook.start(ents, inventory, {})
    except Ask as exc:  # a structured request has no one to answer a question: say what is missing
        return _refused(intent, f"{intent} cannot start: {exc.question}")
    except NotFoundName as exc:
        return _refused(intent, exc.message)
    target = (str(namespace), str(name)) if namespace and name else None
    return _from_step(intent, step, 1.0, target)


def advance(playbook_state: dict[str, Any], observed: list[Observation]) -> BrainOutput:
    intent = str(playbook_state["intent"])
    step = _playbooks()[intent].advance(dict(playbook_state["memory"]), observed)
    return _from_step(intent, step)
