"""The MLOps loop: model registry (MLflow), data checks and drift, gated promotion, rollback, retraining."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="models",
    summary="ML models: registry status, data checks and drift, gated promotion, rollback and retraining (MLflow)",
    tool_modules=("opsgraph.tools.models.tools",),
    cli_modules=("opsgraph.channels.cli.drift_cmds", "opsgraph.channels.cli.models_cmds"),
    planner_module="opsgraph.tools.models.planner",
    intents=("opsgraph.tools.models", "intents.yaml"),
    eval_suites=(("drift", "opsgraph.evals.drift:run"),),
    settings_class="opsgraph.tools.models.settings:ModelsSettings",
)
