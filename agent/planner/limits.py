"""What the planner must say instead of guessing: names that resolve to nothing, namespaces outside
the allow-list, and capabilities opsgraph does not have (yet)."""

from __future__ import annotations

import difflib

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, NotFoundName

# Requests for capabilities that may not be installed: the words that mark them, what to call them,
# and the intents that serve them once their capability is installed.
NOT_INSTALLED: tuple[tuple[frozenset[str], str, frozenset[str]], ...] = (
    (frozenset({"slack"}), "posting to Slack from a chat turn", frozenset()),
    (
        frozenset({"drift", "mlflow", "retrain", "retraining", "champion", "challenger"}),
        "ML model drift checks and the model registry",
        frozenset({"drift_check", "model_status", "model_promote", "model_rollback", "model_retrain"}),
    ),
    (
        frozenset({"terraform", "hcl", "iac", "tf"}),
        "generating Terraform",
        frozenset({"terraform_generate"}),
    ),
    (
        frozenset({"gpu", "gpus", "nvidia", "mig", "dcgm"}),
        "GPU inventory and rebalancing",
        frozenset({"gpu_status", "gpu_rebalance_plan", "gpu_rebalance_apply"}),
    ),
    (frozenset({"runbook", "runbooks"}), "runbook search", frozenset({"runbook_search"})),
)


def unavailable(ents: Entities, installed_intents: set[str]) -> str | None:
    """A "not available" answer when the message asks for a capability that is not installed."""
    words = set(ents.masked.split())
    for keywords, what, intents in NOT_INSTALLED:
        if words & keywords and not intents & installed_intents:
            return f"Not available: {what} is not something opsgraph can do yet. Say 'help' to see what it can do."
    return None


def check_names(ents: Entities, inv: Inventory) -> None:
    """Raise NotFoundName when the message names a namespace or workload that does not exist."""
    for word in (*ents.unknown_namespaces, *ents.unknown_names):
        if word in inv.outside_allow_list:
            raise NotFoundName(
                f"Namespace {word} is outside the namespaces opsgraph may use here "
                f"({', '.join(inv.namespaces) or 'none'}; set by OPSGRAPH_NAMESPACES)."
            )
    if ents.unknown_namespaces:
        word = ents.unknown_namespaces[0]
        raise NotFoundName(f"There is no namespace {word}{_closest(word, list(inv.namespaces), 'namespaces')}.")
    if ents.unknown_names and not ents.workloads:
        word = ents.unknown_names[0]
        namespace = ents.namespaces[0] if ents.namespaces else None
        pool = inv.in_namespace(namespace) if namespace else inv.names
        where = f" in {namespace}" if namespace else ""
        raise NotFoundName(f"There is no deployment {word}{where}{_closest(word, pool, 'deployments' + where)}.")


def _closest(word: str, pool: list[str], what: str) -> str:
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.5)
    if close:
        return f"; did you mean {' or '.join(close)}?"
    if pool:
        shown = ", ".join(pool[:8]) + (", ..." if len(pool) > 8 else "")
        return f"; {what}: {shown}"
    return ""
