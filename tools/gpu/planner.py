"""Planner builders for the GPU intents: status (and "can an N-GPU job fit?"), plan, apply."""

from __future__ import annotations

import re
from typing import Any

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, PlannedCall

Built = tuple[list[PlannedCall], str]
_JOB_SIZE = re.compile(r"\b(\d{1,2})\s*(?:-|x\s*)?\s*(?:gpus?|h100s?|a100s?)\b", re.IGNORECASE)
_OBJECTIVE_WORDS = {
    "defragment": "defragment", "defrag": "defragment", "fragmentation": "defragment",
    "fragmented": "defragment",
    "idle": "scale_to_zero", "zero": "scale_to_zero",
    "mig": "right_size", "share": "right_size", "sharing": "right_size", "time-slicing": "right_size",
    "timeslicing": "right_size", "slicing": "right_size", "slice": "right_size", "slices": "right_size",
}  # fmt: skip


def _job_size(ents: Entities) -> int | None:
    """ "an 8-GPU job", "4 gpus", "8x H100" -> the number of GPUs."""
    match = _JOB_SIZE.search(ents.text or " ".join(ents.words))
    if match and 1 <= int(match.group(1)) <= 64:
        return int(match.group(1))
    return None


def build_status(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    size = _job_size(ents)
    args: dict[str, Any] = {"large_job_gpus": size} if size else {}
    reply = f"Check GPU use, cost and whether a job of {size} GPUs fits." if size else "Show GPU use and cost."
    return [PlannedCall("gpu_status", args)], reply


def _objectives(ents: Entities) -> list[str] | None:
    named = []
    for word in ents.words:
        objective = _OBJECTIVE_WORDS.get(word)
        if objective and objective not in named:
            named.append(objective)
    if not named:
        return None
    # What the person named comes first; the rest keep the default order.
    from opsgraph.tools.gpu.settings import OBJECTIVES

    return named + [o for o in OBJECTIVES if o not in named]


def build_plan(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    args: dict[str, Any] = {}
    objectives = _objectives(ents)
    if objectives:
        args["objectives"] = objectives
    size = _job_size(ents)
    if size:
        args["large_job_gpus"] = size
    return [PlannedCall("gpu_rebalance_plan", args)], "Plan a GPU rebalancing (nothing changes until you apply it)."


def build_apply(ents: Entities, inv: Inventory, carried: dict[str, Any]) -> Built:
    args: dict[str, Any] = {}
    size = _job_size(ents)
    if size:
        args["large_job_gpus"] = size
    return [PlannedCall("gpu_rebalance_apply", args)], "Apply the GPU rebalancing plan (needs two approvals)."


BUILDERS = {"gpu_status": build_status, "gpu_rebalance_plan": build_plan, "gpu_rebalance_apply": build_apply}
