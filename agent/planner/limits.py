"""What the planner must say instead of guessing: capabilities opsgraph does not have (yet).
(Names that resolve to nothing: core/names.py.)"""

from __future__ import annotations

from opsgraph.core.planning import Entities

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
