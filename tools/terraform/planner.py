"""`terraform_generate` from a request: the request itself is the argument; a missing essential or a
contradiction becomes the planner's question."""

from __future__ import annotations

from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Ask, Entities, PlannedCall

Built = tuple[list[PlannedCall], str]


def build_terraform_generate(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    from opsgraph.tools.terraform.parse import SpecQuestion, Unsupported, parse_request

    request = ents.text.strip()
    try:
        spec = parse_request(request)
    except SpecQuestion as question:
        raise Ask(question.question, "request", {"request": request}, question.options) from question
    except Unsupported as exc:
        return [], f"I can't generate that with the templates: {exc}."
    what = ", ".join(c.kind.replace("_", " ") for c in spec.components)
    return [PlannedCall("terraform_generate", {"request": request})], f"Generate and validate: {what}."


BUILDERS = {"terraform_generate": build_terraform_generate}
